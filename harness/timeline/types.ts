import type { MachineFacts } from '../db/machine.ts';
import type { Calibration } from '../incident/types.ts';
import type { SwitchesPatch, SwitchesView } from '../../shop/switches.ts';

/**
 * The incident day's run, as written to summary.json (schema loadlab.timeline/v1, issue 16) plus the time
 * series the report draws. Durations in ms (`_s` fields in seconds), rates as fractions 0..1, counts as
 * integers; null = nothing to measure (e.g. no request of that kind in the period).
 */
export const TENANTS = ['hot', 'others'] as const;
export type Tenant = (typeof TENANTS)[number];

export const PERIOD_NAMES = ['normal', 'tripled', 'access-cut', 'queue', 'shop-disabled', 'fixed'] as const;
export type PeriodName = (typeof PERIOD_NAMES)[number];

/** What one tenant group's visitors met in one period. Queue pages are counted apart from the pages asked for. */
export interface GroupStats {
  /** requests started in the period, queue pages left out */
  count: number;
  p95_ms: number | null;
  failed_rate: number | null;
  p50_ms: number | null;
  product_list_p95_ms: number | null;
  /** queue pages answered instead of the page asked for */
  queue_pages: number;
  /** visitors who arrived in the period and finished their visit (interrupted ones at the end are not) */
  visitors: number;
  dropped_visitors: number;
  /** of the visitors who met the queue: p95 of their time on queue pages */
  queue_wait_p95_s: number | null;
}

export interface PeriodDb {
  temp_bytes: number | null;
  temp_bytes_per_s: number | null;
  product_list_calls: number | null;
  product_list_mean_ms: number | null;
  cpu_ms: number | null;
  /** most client connections running a statement at once, from the 1 s samples */
  max_active_connections: number | null;
}

export interface PeriodResult {
  name: PeriodName;
  /** the post-mortem's clock time (UTC, 2026-06-29) this period stands for */
  clock: string;
  start_s: number;
  end_s: number;
  hot: GroupStats;
  others: GroupStats;
  /** what the operators switched at the period's start */
  switched: SwitchesPatch;
  db: PeriodDb;
  /** per group: p95 and failed rate of its requests under the SLO (p95 < 1 s, < 1 % failed) */
  within_slo: Record<Tenant, boolean>;
}

export interface ProbeResult {
  /** the product-list query (before) alone on an idle database, before the day starts */
  baseline_ms: number;
  /** the same during the access cut, once no visitor query ran any more */
  during_cut_ms: number | null;
  /** seconds from the cut until no product-list query was running */
  db_quiet_after_s: number | null;
  /** when the probe ran, seconds since the day started */
  at_s: number | null;
  subevent_ids: number[];
  /** temporary file bytes the probe's own queries wrote (part of the access cut's DB figures) */
  temp_bytes: number | null;
  /** buffers the probe's plans touched, idle and during the cut: the same work, whatever the timing noise */
  buffers_touched: { idle: number; during_cut: number | null };
}

export interface ShapeCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface TimelineSummary {
  schema: 'loadlab.timeline/v1';
  run_id: string;
  preset: string;
  dates: number;
  seed: number;
  started_at: string;
  finished_at: string;
  machine: MachineFacts;
  traffic: {
    hot_visitors_per_min: number;
    multiplier: number;
    others_visitors_per_min: number;
    others_shops: number;
    calibration: Calibration;
    queue: { visitors_per_minute: number; retry_after_s: number; formula: string };
    think_scale: number;
    request_timeout_s: number;
    slo: { p95_ms: number; max_error_rate: number };
    /** how late the load started against the planned start (runner start-up), ms */
    start_lag_ms: number;
  };
  periods: PeriodResult[];
  /** the product-list query alone during the access cut (contract field; null when it could not run) */
  probe_ms: number | null;
  probe: ProbeResult;
  /** each switch as applied: planned and actual time since the day started, and the shop's state after */
  switches: { period: PeriodName; planned_s: number; at_s: number; state: SwitchesView }[];
  /** the post-mortem's shape, checked on this run's figures */
  shape: ShapeCheck[];
  runner_exit_code: number;
}

/** One bucket of the timeline chart, time in seconds since the day started. */
export interface TimelinePoint {
  t_s: number;
  hot_p95_ms: number | null;
  others_p95_ms: number | null;
  hot_error_pct: number | null;
  others_error_pct: number | null;
  temp_bytes_per_s: number | null;
}

export interface TimelineSeries {
  bucket_s: number;
  points: TimelinePoint[];
}
