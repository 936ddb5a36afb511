import { z } from 'zod';
import { machineFactsSchema } from '../db/machine.ts';
import { runFactsShape } from '../db/run-facts.ts';

/**
 * summary.json of load:partition (`loadlab.partition/v1`) and its series.json. The contract is the
 * core: per variant and phase `async_actions` and `pages` with `count` and `failed_rate`, and
 * `lost_or_duplicated`; everything else extends it. One zod schema per file gives both the types the harness
 * writes with and the check a re-render (`npm run report`) reads with. Durations in milliseconds (seconds
 * where named _s), rates as fractions 0..1, counts as integers. Unknown fields are ignored on reading.
 */

export const PARTITION_VARIANTS = ['before', 'after'] as const;
export type PartitionVariant = (typeof PARTITION_VARIANTS)[number];
export const PARTITION_PHASES = ['baseline', 'partition', 'recovery'] as const;
export type PartitionPhase = (typeof PARTITION_PHASES)[number];

const num = z.number();
const count = z.number().int().nonnegative();
const phaseSchema = z.enum(PARTITION_PHASES);
/** an object with each of `keys`, all of one shape */
const each = <K extends readonly [string, ...string[]], S extends z.ZodType>(keys: K, shape: S) =>
  z.object(Object.fromEntries(keys.map((k) => [k, shape])) as { [P in K[number]]: S });

// an empty set has no failed share or p95: null (harness/load/request-figures.ts)
const actionFiguresSchema = z.object({ count, failed_rate: num.nullable(), p95_ms: num.nullable() });
export type ActionFigures = z.infer<typeof actionFiguresSchema>;

const phaseFiguresSchema = z.object({
  /** cart adds and checkouts, first tries and retries */
  async_actions: actionFiguresSchema,
  /** calendar and product-list pages */
  pages: actionFiguresSchema,
  /** the visitors' second tries after an error: how many, and how many of them worked */
  retries: z.object({ count, succeeded_rate: num.nullable() }),
  endpoints: z.record(z.string(), z.object({ requests: count, p95_ms: num.nullable(), error_rate: num.nullable() })),
});
export type PhaseFigures = z.infer<typeof phaseFiguresSchema>;

/** The database after the replay, against the tasks' own record (see no-loss.ts). */
const noLossCheckSchema = z.object({
  carts: count,
  /** cart positions the finished cart adds reported */
  positions_added: count,
  /** orders the finished checkouts reported */
  orders_placed: count,
  /** reported positions that are neither in their cart nor in its order */
  lost_positions: count,
  /** positions in this run's carts that no finished task reported: left by a failed task, or written twice */
  unaccounted_positions: count,
  lost_orders: count,
  unaccounted_orders: count,
  /** orders without positions, or whose total is not the sum of their positions */
  partial_orders: count,
  tasks: z.object({
    completed: count,
    failed: count,
    unfinished: count,
    failed_by_reason: z.record(z.string(), count),
  }),
  /** finished tasks whose visitor never saw the answer (no double effect: the retry found the stored answer, or none came) */
  unacknowledged: count,
});
export type NoLossCheck = z.infer<typeof noLossCheckSchema>;

const variantResultSchema = z.object({
  /** what the variant's task workers do */
  behaviour: z.string(),
  phases: each(PARTITION_PHASES, phaseFiguresSchema),
  /** lost + unaccounted positions and orders + partial orders: 0 when nothing was lost or done twice */
  lost_or_duplicated: count,
  check: noLossCheckSchema,
  /** seconds since the load started (its first visitor served), and that moment itself, to place k6 points by */
  timeline: z.object({ load_started_at: z.string(), cut_s: num, healed_s: num, end_s: num }),
  /** web workers leaving (DOWN) and rejoining (UP) the balancer's rotation */
  rotation: z.array(z.object({ at_s: num, worker: z.string(), state: z.enum(['UP', 'DOWN']) })),
  /** task workers closing and opening their gate (after only) */
  gate: z.array(z.object({ at_s: num, worker: z.string(), open: z.boolean() })),
  /** task runs that ended during the partition, per task worker: all, failed, handed back to the queue untouched */
  partition_tasks_by_worker: z.record(z.string(), z.object({ ran: count, failed: count, handed_back: count })),
  /** seconds from the cut until each Redis-only task worker stopped taking tasks (after only) */
  gate_closed_after_s: z.record(z.string(), num.nullable()),
  runner_exit_code: z.number().int(),
  thresholds: z.record(z.string(), z.object({ ok: z.boolean() })),
});
export type VariantResult = z.infer<typeof variantResultSchema>;

export const partitionSummarySchema = z.object({
  schema: z.literal('loadlab.partition/v1'),
  ...runFactsShape,
  machine: machineFactsSchema.extend({
    redis: z.string(),
    haproxy: z.string(),
    redis_server: z.enum(['embedded', 'external']),
  }),
  traffic: z.object({
    visitors_per_min: num,
    think_scale: num,
    request_timeout_s: num,
    phases: z.array(z.object({ name: phaseSchema, duration_s: num })),
  }),
  topology: z.object({
    web_workers: count,
    task_workers: count,
    task_concurrency: count,
    product_list_query: z.literal('after'),
    load_balancer: z.object({
      health_check: z.object({ interval_s: num, fast_interval_s: num, timeout_s: num, fall: count, rise: count }),
      page_timeout_s: num,
    }),
    partition: z.object({ web_workers_cut_off: z.array(z.string()), task_workers_redis_only: z.array(z.string()) }),
  }),
  variants: z.object({ before: variantResultSchema.optional(), after: variantResultSchema.optional() }),
});
export type PartitionSummary = z.infer<typeof partitionSummarySchema>;

/** One time bucket of a variant's replay, for the charts. */
const partitionSeriesPointSchema = z.object({
  t_s: num,
  phase: phaseSchema,
  async_actions: count,
  /** null when the bucket has no asynchronous action */
  async_failed_rate: num.nullable(),
  pages: count,
  pages_failed_rate: num.nullable(),
  /** web workers in the balancer's rotation, task workers taking tasks */
  webs_in_rotation: count,
  tasks_taking: count,
});
export type PartitionSeriesPoint = z.infer<typeof partitionSeriesPointSchema>;

const partitionSeriesOfVariantSchema = z.object({
  bucket_s: num,
  points: z.array(partitionSeriesPointSchema),
  phases: z.array(z.object({ name: phaseSchema, start_s: num, end_s: num })),
});
export type PartitionSeries = z.infer<typeof partitionSeriesOfVariantSchema>;

/** series.json: each variant that ran */
export const partitionSeriesSchema = z.object({
  before: partitionSeriesOfVariantSchema.optional(),
  after: partitionSeriesOfVariantSchema.optional(),
});
