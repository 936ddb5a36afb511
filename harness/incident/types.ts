import { z } from 'zod';
import { variants } from '../../shop/queries/product-list.ts';
import type { RatePoint } from '../stats/types.ts';
import { variantDiagnosisSchema } from '../stats/statement-diagnosis-schema.ts';
import { runFactsShape } from '../db/run-facts.ts';
import { calibrationSchema } from '../load/calibration.ts';

/**
 * The incident run's data, as written to summary.json (schema loadlab.incident/v1, design.md) and series.json
 * (the time series the report draws). One zod schema per file gives both the types the harness writes with
 * and the check a re-render reads with. Durations in ms, rates as fractions 0..1, counts as integers;
 * null = unavailable. Unknown fields are ignored on reading, so a newer writer may add some.
 */
export const variantNameSchema = z.enum(variants);
export const phaseNameSchema = z.enum(['baseline', 'ramp', 'tripled']);
export type VariantName = z.infer<typeof variantNameSchema>;
export type PhaseName = z.infer<typeof phaseNameSchema>;

const num = z.number();
const numOrNull = z.number().nullable();

// an empty set of requests has no p95 or error rate: null (harness/load/request-figures.ts)
const endpointStatsSchema = z.object({ requests: num, p95_ms: numOrNull, error_rate: numOrNull });
export type EndpointStats = z.infer<typeof endpointStatsSchema>;

const phaseStatsSchema = z.object({
  requests: num,
  rps: num,
  p50_ms: numOrNull,
  p95_ms: numOrNull,
  p99_ms: numOrNull,
  /** the mean the post-mortem speaks of (absent in older runs) */
  mean_ms: numOrNull.optional(),
  error_rate: numOrNull,
  /** product-list arrivals/s over capacity_rps (absent in older runs) */
  overload: numOrNull.optional(),
  /** product lists answered per second: the phase's own while it turned some away, else the calibration's */
  capacity_rps: numOrNull.optional(),
  capacity_from: z.enum(['phase', 'calibration']).nullable().optional(),
  dropped_iterations: num,
  /** visitors (iterations) started in the phase */
  iterations: num,
  /** keyed by the request's name tag: product-list, calendar, cart-add, checkout */
  endpoints: z.record(z.string(), endpointStatsSchema),
});
export type PhaseStats = z.infer<typeof phaseStatsSchema>;

const productListQuerySchema = z.object({
  calls: num,
  mean_ms: num,
  shared_blks_hit: num,
  shared_blks_read: num,
  temp_blks_written: num,
});
export type ProductListQueryStats = z.infer<typeof productListQuerySchema>;

const dbStatsSchema = z.object({
  product_list_query: productListQuerySchema.nullable(),
  temp_bytes: numOrNull,
  blks_read: numOrNull,
  blks_hit: numOrNull,
  os_read_bytes: numOrNull,
  os_write_bytes: numOrNull,
});
export type DbStats = z.infer<typeof dbStatsSchema>;

const dbPhaseStatsSchema = dbStatsSchema.extend({ cpu_ms: numOrNull, temp_files: numOrNull });

const explainStatsSchema = z.object({ execution_ms: num, buffers_touched: num, temp_blocks_written: num });
export type ExplainStats = z.infer<typeof explainStatsSchema>;

const variantResultSchema = z.object({
  phases: z.object({ baseline: phaseStatsSchema, ramp: phaseStatsSchema.optional(), tripled: phaseStatsSchema }),
  /** over the variant's whole load run */
  db: dbStatsSchema,
  /** per phase, for the report's DB I/O table */
  db_phases: z.object({
    baseline: dbPhaseStatsSchema.optional(),
    ramp: dbPhaseStatsSchema.optional(),
    tripled: dbPhaseStatsSchema.optional(),
  }),
  explain: explainStatsSchema,
  /** the runner's exit code (99 = thresholds failed, as k6) */
  runner_exit_code: z.number().int(),
  thresholds: z.record(z.string(), z.object({ ok: z.boolean() })),
});
export type VariantResult = z.infer<typeof variantResultSchema>;

export const incidentSummarySchema = z.object({
  schema: z.literal('loadlab.incident/v1'),
  ...runFactsShape,
  traffic: z.object({
    baseline_visitors_per_min: num,
    multiplier: num,
    calibration: calibrationSchema,
    phases: z.array(z.object({ name: phaseNameSchema, duration_s: num })),
    request_timeout_s: num,
    /** the shop's database connections (absent in older runs) */
    shop_pool_size: num.optional(),
  }),
  // strict: a variant name the report does not know is a wrong file, not something to drop in silence
  variants: z.strictObject({ before: variantResultSchema.optional(), after: variantResultSchema.optional() }),
  comparison: z.object({
    tripled_p95_ratio: numOrNull,
    baseline_p95_ratio: numOrNull,
    /** did before's tripled phase show the post-mortem's shape (harness/load/collapse-shape.ts)? null: not run */
    shape_reproduced: z.boolean().nullable().optional(),
    shape_reason: z.string().optional(),
  }),
  /** per variant: the statements that did the database's work, the cause and the symptoms (absent in older runs) */
  diagnosis: z
    .object({ before: variantDiagnosisSchema.optional(), after: variantDiagnosisSchema.optional() })
    .optional(),
});
export type IncidentSummary = z.infer<typeof incidentSummarySchema>;

/** One point per time bucket (5 s, or 1 s in --quick) of a variant's run, time relative to its load start. */
const loadSeriesPointSchema = z.object({
  t_s: num,
  phase: phaseNameSchema,
  product_list_p95_ms: numOrNull,
  rps: num,
  error_rate: numOrNull,
  dropped: num,
});
export type LoadSeriesPoint = z.infer<typeof loadSeriesPointSchema>;

/** The sampler's per-second rates, on the report's time axis: seconds since the variant's load started. */
const dbSeriesPointSchema = z.object({
  t_s: num,
  temp_bytes_per_s: numOrNull,
  blks_read_per_s: numOrNull,
  blks_hit_per_s: numOrNull,
  os_read_bytes_per_s: numOrNull,
  os_write_bytes_per_s: numOrNull,
  active_connections: numOrNull,
});
export type DbSeriesPoint = z.infer<typeof dbSeriesPointSchema>;
// the sampler owns the rates' shape: this fails to compile when the two drift apart
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const dbPointMatchesSampler: Same<DbSeriesPoint, Omit<RatePoint, 't_ms'> & { t_s: number }> = true;
void dbPointMatchesSampler;

const phaseMarkSchema = z.object({ name: phaseNameSchema, start_s: num, end_s: num });
export type PhaseMark = z.infer<typeof phaseMarkSchema>;

const variantSeriesSchema = z.object({
  load: z.array(loadSeriesPointSchema),
  db: z.array(dbSeriesPointSchema),
  phases: z.array(phaseMarkSchema),
});
export type VariantSeries = z.infer<typeof variantSeriesSchema>;

/** series.json: keyed by variant */
export const incidentSeriesSchema = z.strictObject({
  before: variantSeriesSchema.optional(),
  after: variantSeriesSchema.optional(),
});
export type IncidentSeries = z.infer<typeof incidentSeriesSchema>;

export interface ReportInput {
  summary: IncidentSummary;
  series: IncidentSeries;
}
