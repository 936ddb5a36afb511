import path from 'node:path';
import { z } from 'zod';
import { UserError } from '../../common/user-error.ts';
import { readJsonFile } from '../files/json-file.ts';
import type { CapacityResult } from './types.ts';

const step = z.looseObject({
  visitors_per_min: z.number(),
  product_list_p95_ms: z.number().nullable(),
  error_rate: z.number(),
  dropped_iterations: z.number(),
  passed: z.boolean(),
});

/** The fields the review reads; the rest of the file passes through as written. */
const capacityFile = z.looseObject({
  schema: z.literal('loadlab.capacity/v1'),
  run_id: z.string(),
  slo: z.object({ product_list_p95_ms: z.number(), max_error_rate: z.number() }),
  step_duration_s: z.number(),
  points: z.array(
    z.looseObject({
      variant: z.enum(['before', 'after']),
      dates: z.number().int().positive(),
      capacity_visitors_per_min: z.number().nonnegative(),
      first_failing_visitors_per_min: z.number().nullable(),
      steps: z.array(step),
      range: z.tuple([z.number(), z.number()]).optional(),
    }),
  ),
});

/** A finished capacity run folder's capacity.json; a folder without one, or a broken field, is one line. */
export function readCapacityRun(dir: string): CapacityResult {
  const file = path.join(dir, 'capacity.json');
  const r = readJsonFile(file, capacityFile, 'a capacity.json written by load:capacity (schema loadlab.capacity/v1)');
  if (r.points.length === 0)
    throw new UserError(`${file} has no measured point (accepted: a folder of a finished load:capacity run)`);
  return r as unknown as CapacityResult;
}
