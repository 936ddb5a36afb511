import { z } from 'zod';
import { runFactsShape } from '../db/run-facts.ts';
import { variants } from '../../shop/queries/product-list.ts';
import { calibrationSchema } from '../load/calibration.ts';
import { dayDiagnosisSchema, dayVerdictSchema } from './diagnose.ts';
import { movesDiagnosisSchema, noLossSchema, serverPeriodSchema, topologySchema } from './platform-types.ts';

const variantNameSchema = z.enum(variants);

/**
 * The incident day's run, as written to summary.json (schema loadlab.timeline/v1, issue 16) and series.json
 * (the time series the report draws). One zod schema per file gives both the types the harness writes with
 * and the check a re-render reads with. Durations in ms (`_s` fields in seconds), rates as fractions 0..1,
 * counts as integers; null = nothing to measure (e.g. no request of that kind in the period). Unknown fields
 * are ignored on reading, so a newer writer may add some.
 */
export const TENANTS = ['hot', 'others'] as const;
export type Tenant = (typeof TENANTS)[number];

export const PERIOD_NAMES = [
  'normal',
  'tripled',
  // the operators' two moves on a platform with replicas (absent from a run on one server)
  'reroute',
  'all-primary',
  'access-cut',
  'queue',
  'shop-disabled',
  'fixed',
] as const;
const periodNameSchema = z.enum(PERIOD_NAMES);
export type PeriodName = z.infer<typeof periodNameSchema>;

const num = z.number();
const numOrNull = z.number().nullable();
const count = z.number().int().nonnegative();

/** What one tenant group's visitors met in one period. Queue pages are counted apart from the pages asked for. */
const groupStatsSchema = z.object({
  /** requests started in the period, queue pages left out */
  count,
  p95_ms: numOrNull,
  failed_rate: numOrNull,
  p50_ms: numOrNull,
  /** of all pages asked for, failures at their timeout included: the post-mortem's average (absent in older runs) */
  mean_ms: numOrNull.optional(),
  product_list_p95_ms: numOrNull,
  /** queue pages answered instead of the page asked for */
  queue_pages: count,
  /** visitors who arrived in the period and finished their visit (interrupted ones at the end are not) */
  visitors: count,
  dropped_visitors: count,
  /** of the visitors who met the queue: p95 of their time on queue pages */
  queue_wait_p95_s: numOrNull,
});
export type GroupStats = z.infer<typeof groupStatsSchema>;

const periodDbSchema = z.object({
  temp_bytes: numOrNull,
  temp_bytes_per_s: numOrNull,
  product_list_calls: numOrNull,
  product_list_mean_ms: numOrNull,
  cpu_ms: numOrNull,
  /** most client connections running a statement at once, from the 1 s samples */
  max_active_connections: numOrNull,
});
export type PeriodDb = z.infer<typeof periodDbSchema>;

// the operators' switches as the shop's admin port takes them (shop/switches.ts) and shows them after a change
const queueSettingsSchema = z.object({ visitors_per_minute: num, retry_after_s: num });
const switchesPatchSchema = z.object({
  access_cut: z.boolean().optional(),
  queue: queueSettingsSchema.nullable().optional(),
  disabled_shops: z.array(z.string()).optional(),
  variant: variantNameSchema.optional(),
  reads: z.string().optional(),
  restart: z.string().optional(),
});
const switchesStateSchema = z.object({
  access_cut: z.boolean(),
  queue: queueSettingsSchema.nullable(),
  disabled_shops: z.array(z.string()),
  variant: variantNameSchema,
  /** the server the GET pages read from (absent in runs before the platform had replicas) */
  reads: z.string().optional(),
});

const periodResultSchema = z.object({
  name: periodNameSchema,
  /** the post-mortem's clock time (UTC, 2026-06-29) this period stands for */
  clock: z.string(),
  start_s: num,
  end_s: num,
  hot: groupStatsSchema,
  others: groupStatsSchema,
  /** what the operators switched at the period's start */
  switched: switchesPatchSchema,
  db: periodDbSchema,
  /** per group: p95 and failed rate of its requests under the SLO (p95 < 1 s, < 1 % failed) */
  within_slo: z.object({ hot: z.boolean(), others: z.boolean() }),
  /** true where the post-mortem gives no clock time and the run places the period itself (reroute, all-primary) */
  time_assumed: z.boolean().optional(),
  /** p95 of the writes (cart adds, checkouts) sent in the period, both groups; null without any */
  writes_p95_ms: numOrNull.optional(),
  /** each server of the platform in the period (absent in runs before the platform) */
  servers: z.array(serverPeriodSchema).optional(),
});
export type PeriodResult = z.infer<typeof periodResultSchema>;

const probeResultSchema = z.object({
  /** the product-list query (before) alone on an idle database, before the day starts */
  baseline_ms: num,
  /** the same during the access cut, once no visitor query ran any more */
  during_cut_ms: numOrNull,
  /** seconds from the cut until no product-list query was running */
  db_quiet_after_s: numOrNull,
  /** when the probe ran, seconds since the day started */
  at_s: numOrNull,
  subevent_ids: z.array(num),
  /** temporary file bytes the probe's own queries wrote (part of the access cut's DB figures) */
  temp_bytes: numOrNull,
  /** buffers the probe's plans touched, idle and during the cut: the same work, whatever the timing noise */
  buffers_touched: z.object({ idle: num, during_cut: numOrNull }),
});
export type ProbeResult = z.infer<typeof probeResultSchema>;

const shapeCheckSchema = z.object({ name: z.string(), ok: z.boolean(), detail: z.string() });
export type ShapeCheck = z.infer<typeof shapeCheckSchema>;

export const timelineSummarySchema = z.object({
  schema: z.literal('loadlab.timeline/v1'),
  ...runFactsShape,
  traffic: z.object({
    hot_visitors_per_min: num,
    multiplier: num,
    others_visitors_per_min: num,
    others_shops: count,
    calibration: calibrationSchema,
    queue: z.object({ visitors_per_minute: num, retry_after_s: num, formula: z.string() }),
    think_scale: num,
    request_timeout_s: num,
    slo: z.object({ p95_ms: num, max_error_rate: num }),
    /** how late the load started against the planned start (runner start-up), ms */
    start_lag_ms: num,
  }),
  periods: z.array(periodResultSchema),
  /** the product-list query alone during the access cut (contract field; null when it could not run) */
  probe_ms: numOrNull,
  probe: probeResultSchema,
  /** each switch as applied: planned and actual time since the day started, and the shop's state after */
  switches: z.array(z.object({ period: periodNameSchema, planned_s: num, at_s: num, state: switchesStateSchema })),
  /** the post-mortem's shape, checked on this run's figures */
  shape: z.array(shapeCheckSchema),
  runner_exit_code: z.number().int(),
  /** the live diagnosis that ran beside the day (absent in runs before it did) */
  diagnose: dayDiagnosisSchema.optional(),
  /** the database servers the day ran on (absent in runs before the platform had replicas) */
  topology: topologySchema.optional(),
  /** the writes the shop acknowledged during the operators' moves, looked up on the primary afterwards */
  no_loss: noLossSchema.optional(),
  /** per move: when diagnose named the cause on the server now carrying the load */
  moves: movesDiagnosisSchema.optional(),
});
export type TimelineSummary = z.infer<typeof timelineSummarySchema>;

/** One bucket of the timeline chart, time in seconds since the day started. */
const timelinePointSchema = z.object({
  t_s: num,
  hot_p95_ms: numOrNull,
  others_p95_ms: numOrNull,
  hot_error_pct: numOrNull,
  others_error_pct: numOrNull,
  temp_bytes_per_s: numOrNull,
  /** per server of the platform: its temporary-file writes per second (absent in runs before the platform) */
  servers: z.record(z.string(), numOrNull).optional(),
});
export type TimelinePoint = z.infer<typeof timelinePointSchema>;

export const timelineSeriesSchema = z.object({
  bucket_s: num,
  points: z.array(timelinePointSchema),
  /** the live diagnosis' verdict per interval (absent in runs before it ran beside the day) */
  diagnose: z.array(dayVerdictSchema).optional(),
});
export type TimelineSeries = z.infer<typeof timelineSeriesSchema>;
