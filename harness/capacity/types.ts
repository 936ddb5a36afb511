import type { MachineFacts } from '../db/machine.ts';

/**
 * capacity.json (schema loadlab.capacity/v1): the highest arrival rate each variant sustains per dataset size.
 * Fields added later (repeats, median, range, bottleneck, usage, models) are optional for readers of older files.
 */

/** Where the time went during one step, measured from /proc and the database's own views. Rates per second. */
export interface StepUsage {
  /** seconds the figures cover (the step minus its first second of start-up) */
  seconds: number;
  cpus: number;
  /** share of all cores busy (user + system + irq, from /proc/stat), 0..1 */
  machine_cpu_busy: number | null;
  /** cores used by each process (1 = one core whole); the shop and the runner are single event loops */
  shop_cpu_cores: number | null;
  runner_cpu_cores: number | null;
  /** the PostgreSQL server's processes together; null for a server that is not ours to read */
  db_cpu_cores: number | null;
  /** bytes the server's processes read from storage (page-cache misses) */
  db_read_bytes_per_s: number | null;
  /** pg_stat_database temp_bytes: sorts and hashes spilled to temp files */
  db_temp_bytes_per_s: number | null;
  /** pg_stat_activity: client statements running, on average over the step's samples */
  db_active_statements: number | null;
  /** of which waiting on I/O */
  db_io_waiting: number | null;
}

export interface CapacityStep {
  visitors_per_min: number;
  /** null when no product list was answered in the step (which then fails) */
  product_list_p95_ms: number | null;
  error_rate: number;
  dropped_iterations: number;
  passed: boolean;
  usage?: StepUsage | null;
}

export type BottleneckKind = 'database' | 'shop-cpu' | 'runner-cpu' | 'machine-cpu' | 'disk';

export interface Bottleneck {
  kind: BottleneckKind;
  /** the step whose figures name it: the lowest failing rate (where the limit showed), else the highest passing */
  at_visitors_per_min: number;
  /** the sentence, each figure in it from `figures` */
  reason: string;
  figures: StepUsage;
  dropped_iterations: number;
}

/** One search for the capacity, to the sweep's precision. */
export interface CapacityRepeat {
  capacity_visitors_per_min: number;
  first_failing_visitors_per_min: number | null;
  /** (first failing - capacity) / capacity at the end of the search; null without a failing rate */
  precision: number | null;
  steps: CapacityStep[];
}

/**
 * Product-list requests one after another on an idle shop, before the search: the time of one request alone,
 * which no rate can bring under (a request under load waits as well).
 */
export interface SoloTime {
  /** requests answered with 200 and timed (the untimed warm-up excluded) */
  requests: number;
  /** answered with another status, not timed */
  failed: number;
  /** nearest rank over the timed requests */
  p50_ms: number;
  p95_ms: number;
  durations_ms: number[];
  /** the probe's wall time, the warm-up included */
  seconds: number;
}

export interface CapacityPoint {
  variant: 'before' | 'after';
  dates: number;
  /** the median of the repeats' capacities; 0 when even the lowest tried rate failed */
  capacity_visitors_per_min: number;
  /** the lowest rate that failed in any repeat, when one was found */
  first_failing_visitors_per_min: number | null;
  /** every step of every repeat, in order */
  steps: CapacityStep[];
  repeats?: CapacityRepeat[];
  median?: number;
  range?: [number, number];
  bottleneck?: Bottleneck | null;
  /** one product list alone, before the search; null when none was answered */
  solo?: SoloTime | null;
}

/** power-law: capacity = a x dates^b; linear-cost: 1 / capacity = s0 + s1 x dates (capacity in visitors/min) */
export type ProjectionModel = 'power-law' | 'linear-cost';

export interface Projection {
  model: ProjectionModel;
  /** fitted to the medians of every size: a, b, r2 (power-law) or s0, s1 (linear-cost) */
  parameters: Record<string, number | null>;
  /** why this curve: the in-sample fit of both on the sizes the validation fits */
  choice: string;
  validation: {
    held_out_dates: number;
    /** from the fit without the held-out size */
    predicted: number;
    /** 0 when even the lowest rate tried failed there (see measured_below) */
    measured: number;
    /** (predicted - measured) / measured; null when nothing passed there (the error is then only bounded) */
    error: number | null;
    /** when nothing passed at the held-out size: the lowest rate that failed there, which the capacity is below */
    measured_below?: number | null;
    /** what decided `predicted`: the capacity curve, or one request alone projected over the SLO (predicted 0) */
    predicted_by?: 'capacity-curve' | 'solo-time';
    /** the capacity curve's own prediction, also when the solo time overruled it */
    curve_predicted?: number;
    /** one product list alone at the held-out size: its p50 projected from the smaller sizes, and measured there */
    solo_predicted_ms?: number | null;
    solo_measured_ms?: number | null;
    /** (solo predicted - solo measured) / solo measured */
    solo_error?: number | null;
    /** why the solo time could not be projected (the capacity curve decided alone) */
    solo_note?: string | null;
  } | null;
  /** why there is no validation (fewer than three sizes with a capacity) */
  validation_note: string | null;
  /** one product list alone against dates, fitted to every size with a usable solo time */
  solo?: SoloProjection | null;
  /** the growth audit's exponent of the statement doing most of the database's work, when the baseline has this variant */
  audit_cross_check: { fingerprint: string; work_exponent: number; note: string } | null;
}

/** linear: alone p50 = t0 + t1 x dates (ms); power-law: alone p50 = a x dates^b (ms) */
export interface SoloProjection {
  statistic: 'p50';
  model: 'linear' | 'power-law';
  parameters: Record<string, number | null>;
  /** the sizes it was fitted to */
  sizes: number[];
  /** the in-sample errors the curve was chosen by */
  choice: string;
  /** where one request alone reaches the SLO's p95: at more dates no rate meets the SLO; null when it never does */
  slo_dates: number | null;
}

export interface UslResult {
  dates: number;
  levels: { concurrency: number; throughput_rps: number }[];
  sigma: number;
  kappa: number;
  lambda: number;
  peak_concurrency: number | null;
  peak_throughput: number | null;
  rms_relative_error: number;
}

export interface VariantModels {
  variant: 'before' | 'after';
  projection: Projection | null;
  usl: UslResult | null;
}

export interface CapacityResult {
  schema: 'loadlab.capacity/v1';
  run_id: string;
  started_at: string;
  finished_at: string;
  slo: { product_list_p95_ms: number; max_error_rate: number };
  step_duration_s: number;
  /** where it was measured, as every summary.json records it (filled when the first dataset opens) */
  machine: MachineFacts | null;
  points: CapacityPoint[];
  /** searches per point, and the precision each aimed at (0.05 = the failing rate within 5 % of the capacity) */
  repeats?: number;
  precision?: number;
  /** machine load average (1 min) when the sweep started and ended: the figures' noise */
  load_average?: [number, number];
  variants?: VariantModels[];
}
