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

/** EXPLAIN (ANALYZE) runs of the product-list query alone at one work_mem: what its hungriest node did */
export interface PlanRuns {
  work_mem_kb: number;
  /** the node (plan-memory.ts): "Hash of pretixbase_quota_items"; null when no node reports memory */
  node: string | null;
  /** what it used: kB in memory, or on disk when it spilled */
  memory_kb: number | null;
  /** its own limit: work_mem, times hash_mem_multiplier for a hash table */
  limit_kb: number;
  /** it wrote to disk: a sort merged from temp files, a hash split into batches */
  spilled: boolean;
  temp_blocks_written: number;
  /** median execution time of the runs, and each */
  execution_ms: number;
  runs_ms: number[];
}

/**
 * What the product-list query needs in memory at one size, and what spilling costs there: before the search, on
 * the idle database, EXPLAIN (ANALYZE, BUFFERS) at the server's work_mem, then with work_mem lowered (SET LOCAL,
 * in a transaction of its own) so that node spills. A projection of the memory against dates says from which size
 * the query spills, which no curve through times measured in memory can show.
 */
export interface PlanMemory {
  /** the date the query was run for (its work does not depend on which one) */
  subevent_id: number;
  hash_mem_multiplier: number;
  at_work_mem: PlanRuns;
  /** null when not measured: it spilled already, no node reports memory, or the lowered run failed (see note) */
  lowered: PlanRuns | null;
  note: string | null;
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
  /** the query's memory and the cost of a spill, measured alone before the search; null when it could not be */
  plan_memory?: PlanMemory | null;
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
    /** the same as a p95 (the p50 x the fit's p95_ratio), which decides against the SLO; and the p95 measured there */
    solo_predicted_p95_ms?: number | null;
    solo_measured_p95_ms?: number | null;
    /** (solo predicted - solo measured) / solo measured */
    solo_error?: number | null;
    /** why the solo time could not be projected (the capacity curve decided alone) */
    solo_note?: string | null;
    /** the spill projected at the held-out size from the smaller sizes (solo_predicted_ms includes its cost) */
    solo_spill?: SpillCheck | null;
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
  /** p95 / p50 of the requests alone at the sizes fitted (median, at least 1): the p50 curve times it is the p95 alone */
  p95_ratio?: number;
  /** where one request alone reaches the SLO's p95 (its p50 x p95_ratio, the spill's cost included): beyond, no rate meets the SLO; null when it never does */
  slo_dates: number | null;
  /** from which size the query's hungriest node is projected to spill, and what that adds to a request alone */
  spill?: SpillProjection | null;
}

/**
 * The query's memory against dates and the cost of spilling, from the sizes' plan_memory. Memory: least squares
 * line through the node's kB in memory; spill_dates where it reaches the node's limit. Cost: the extra EXPLAIN time
 * with work_mem lowered (spilled minus in memory), a line through the sizes measured when two or more were (a
 * spilled sort or hash writes its rows out, so the extra grows with the rows), else the spilled / in-memory ratio
 * at the largest one applied to the solo time.
 */
export interface SpillProjection {
  node: string;
  /** the node's kB in memory at the server's work_mem, per size fitted ("1000": 812) */
  memory_kb_by_dates: Record<string, number>;
  /** kB = m0 + m1 x dates */
  memory_parameters: { m0: number; m1: number };
  work_mem_kb: number;
  limit_kb: number;
  /** dates from which the node needs more than its limit; null when its memory does not grow */
  spill_dates: number | null;
  /** spilled / in-memory EXPLAIN time at the largest size measured both ways */
  spilled_ratio: number | null;
  /** how the spill's cost is projected: extra ms = e0 + e1 x dates, or the solo time x spilled_ratio */
  cost_model: 'extra-per-date' | 'ratio';
  extra_parameters: { e0: number; e1: number } | null;
  /** the sizes where the query was timed with work_mem lowered (the cost rests on them) */
  measured_at_dates: number[];
  /** sizes left out, and why */
  note: string | null;
}

/** the spill at the held-out size: projected from the smaller sizes, and what the query did there */
export interface SpillCheck {
  /** the held-out size is at or beyond spill_dates */
  predicted: boolean;
  spill_dates: number | null;
  /** the solo p50 projected without the spill, and the spill's projected cost at the held-out size */
  without_spill_ms: number;
  extra_ms: number;
  /** EXPLAIN at the held-out size, at the server's work_mem: did it spill, in how long (null when not measured) */
  measured: { node: string | null; spilled: boolean; temp_blocks_written: number; execution_ms: number } | null;
  spill: SpillProjection | null;
  /** why no spill could be projected (the solo time then stands without one) */
  note: string | null;
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
  /** the other organizers' events every size was seeded with, the same for all (the preset whose background it is) */
  background?: { preset: string; events: number; organizers: number };
}
