import type { RatePoint } from '../stats/types.ts';
import type { VariantDiagnosis } from '../diagnosis/diagnose.ts';

/**
 * The incident run's data, as written to summary.json (schema loadlab.incident/v1, design.md) plus the time
 * series the report draws. Durations in ms, rates as fractions 0..1, counts as integers; null = unavailable.
 */
export type VariantName = 'before' | 'after';
export type PhaseName = 'baseline' | 'ramp' | 'tripled';

export interface EndpointStats {
  requests: number;
  p95_ms: number;
  error_rate: number;
}

export interface PhaseStats {
  requests: number;
  rps: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  error_rate: number;
  dropped_iterations: number;
  /** visitors (iterations) started in the phase */
  iterations: number;
  /** keyed by the request's name tag: product-list, calendar, cart-add, checkout */
  endpoints: Record<string, EndpointStats>;
}

export interface ProductListQueryStats {
  calls: number;
  mean_ms: number;
  shared_blks_hit: number;
  shared_blks_read: number;
  temp_blks_written: number;
}

export interface DbStats {
  product_list_query: ProductListQueryStats | null;
  temp_bytes: number | null;
  blks_read: number | null;
  blks_hit: number | null;
  os_read_bytes: number | null;
  os_write_bytes: number | null;
}

export interface ExplainStats {
  execution_ms: number;
  buffers_touched: number;
  temp_blocks_written: number;
}

export interface VariantResult {
  phases: Partial<Record<PhaseName, PhaseStats>> & { baseline: PhaseStats; tripled: PhaseStats };
  /** over the variant's whole load run */
  db: DbStats;
  /** per phase, for the report's DB I/O table */
  db_phases: Partial<Record<PhaseName, DbStats & { cpu_ms: number | null; temp_files: number | null }>>;
  explain: ExplainStats;
  /** the runner's exit code (99 = thresholds failed, as k6) */
  runner_exit_code: number;
  thresholds: Record<string, { ok: boolean }>;
}

export interface Calibration {
  method: 'measured' | 'given';
  /** product-list requests/s the before variant sustained in the calibration probe */
  product_list_capacity_rps: number | null;
  /** mean product-list service time in the probe */
  service_time_ms: number | null;
  product_list_requests_per_visitor: number;
  target_utilisation: number;
  formula: string;
}

export interface IncidentSummary {
  schema: 'loadlab.incident/v1';
  run_id: string;
  preset: string;
  dates: number;
  seed: number;
  started_at: string;
  finished_at: string;
  machine: { cpus: number; node: string; postgres: string; os: string; database: 'embedded' | 'external' };
  traffic: {
    baseline_visitors_per_min: number;
    multiplier: number;
    calibration: Calibration;
    phases: { name: PhaseName; duration_s: number }[];
    request_timeout_s: number;
  };
  variants: Partial<Record<VariantName, VariantResult>>;
  comparison: { tripled_p95_ratio: number | null; baseline_p95_ratio: number | null };
  /** per variant: the statements that did the database's work, the cause and the symptoms (absent in older runs) */
  diagnosis?: Partial<Record<VariantName, VariantDiagnosis>>;
}

/** One point per time bucket (5 s, or 1 s in --quick) of a variant's run, time relative to its load start. */
export interface LoadSeriesPoint {
  t_s: number;
  phase: PhaseName;
  product_list_p95_ms: number | null;
  rps: number;
  error_rate: number;
  dropped: number;
}

/** The sampler's per-second rates, on the report's time axis: seconds since the variant's load started. */
export type DbSeriesPoint = Omit<RatePoint, 't_ms'> & { t_s: number };

export interface ReportInput {
  summary: IncidentSummary;
  series: Partial<Record<VariantName, { load: LoadSeriesPoint[]; db: DbSeriesPoint[]; phases: { name: PhaseName; start_s: number; end_s: number }[] }>>;
}
