import { z } from 'zod';

/** How a run's baseline rate was found: measured by a probe of the `before` shop, or given by the user. */
export const calibrationSchema = z.object({
  method: z.enum(['measured', 'given']),
  /** product-list requests/s the before variant sustained in the calibration probe */
  product_list_capacity_rps: z.number().nullable(),
  /** mean product-list service time in the probe */
  service_time_ms: z.number().nullable(),
  product_list_requests_per_visitor: z.number(),
  target_utilisation: z.number(),
  formula: z.string(),
});
export type Calibration = z.infer<typeof calibrationSchema>;
