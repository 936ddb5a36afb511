/**
 * summary.json of load:partition (`loadlab.partition/v1`). The contract is the core: per variant and
 * phase `async_actions` and `pages` with `count` and `failed_rate`, and `lost_or_duplicated`; everything else
 * extends it. Durations in milliseconds (seconds where named _s), rates as fractions 0..1, counts as integers.
 */

export const PARTITION_VARIANTS = ['before', 'after'] as const;
export type PartitionVariant = (typeof PARTITION_VARIANTS)[number];
export const PARTITION_PHASES = ['baseline', 'partition', 'recovery'] as const;
export type PartitionPhase = (typeof PARTITION_PHASES)[number];

export interface ActionFigures {
  count: number;
  failed_rate: number;
  p95_ms: number;
}

export interface PhaseFigures {
  /** cart adds and checkouts, first tries and retries */
  async_actions: ActionFigures;
  /** calendar and product-list pages */
  pages: ActionFigures;
  /** the visitors' second tries after an error: how many, and how many of them worked */
  retries: { count: number; succeeded_rate: number };
  endpoints: Record<string, { requests: number; p95_ms: number; error_rate: number }>;
}

/** The database after the replay, against the tasks' own record (see no-loss.ts). */
export interface NoLossCheck {
  carts: number;
  /** cart positions the finished cart adds reported */
  positions_added: number;
  /** orders the finished checkouts reported */
  orders_placed: number;
  /** reported positions that are neither in their cart nor in its order */
  lost_positions: number;
  /** positions in this run's carts that no finished task reported: left by a failed task, or written twice */
  unaccounted_positions: number;
  lost_orders: number;
  unaccounted_orders: number;
  /** orders without positions, or whose total is not the sum of their positions */
  partial_orders: number;
  tasks: { completed: number; failed: number; unfinished: number; failed_by_reason: Record<string, number> };
  /** finished tasks whose visitor never saw the answer (no double effect: the retry found the stored answer, or none came) */
  unacknowledged: number;
}

export interface VariantResult {
  /** what the variant's task workers do */
  behaviour: string;
  phases: Record<PartitionPhase, PhaseFigures>;
  /** lost + unaccounted positions and orders + partial orders: 0 when nothing was lost or done twice */
  lost_or_duplicated: number;
  check: NoLossCheck;
  /** seconds since the load started (its first visitor served), and that moment itself, to place k6 points by */
  timeline: { load_started_at: string; cut_s: number; healed_s: number; end_s: number };
  /** web workers leaving (DOWN) and rejoining (UP) the balancer's rotation */
  rotation: { at_s: number; worker: string; state: 'UP' | 'DOWN' }[];
  /** task workers closing and opening their gate (after only) */
  gate: { at_s: number; worker: string; open: boolean }[];
  /** task runs that ended during the partition, per task worker: all, failed, handed back to the queue untouched */
  partition_tasks_by_worker: Record<string, { ran: number; failed: number; handed_back: number }>;
  /** seconds from the cut until each Redis-only task worker stopped taking tasks (after only) */
  gate_closed_after_s: Record<string, number | null>;
  runner_exit_code: number;
  thresholds: Record<string, { ok: boolean }>;
}

export interface PartitionSummary {
  schema: 'loadlab.partition/v1';
  run_id: string;
  preset: string;
  dates: number;
  seed: number;
  started_at: string;
  finished_at: string;
  machine: { cpus: number; node: string; postgres: string; redis: string; haproxy: string; os: string; database: 'embedded' | 'external'; redis_server: 'embedded' | 'external' };
  traffic: {
    visitors_per_min: number;
    think_scale: number;
    request_timeout_s: number;
    phases: { name: PartitionPhase; duration_s: number }[];
  };
  topology: {
    web_workers: number;
    task_workers: number;
    task_concurrency: number;
    product_list_query: 'after';
    load_balancer: { health_check: { interval_s: number; fast_interval_s: number; timeout_s: number; fall: number; rise: number }; page_timeout_s: number };
    partition: { web_workers_cut_off: string[]; task_workers_redis_only: string[] };
  };
  variants: Partial<Record<PartitionVariant, VariantResult>>;
}

/** One time bucket of a variant's replay, for the charts. */
export interface PartitionSeriesPoint {
  t_s: number;
  phase: PartitionPhase;
  async_actions: number;
  /** null when the bucket has no asynchronous action */
  async_failed_rate: number | null;
  pages: number;
  pages_failed_rate: number | null;
  /** web workers in the balancer's rotation, task workers taking tasks */
  webs_in_rotation: number;
  tasks_taking: number;
}

export interface PartitionSeries {
  bucket_s: number;
  points: PartitionSeriesPoint[];
  phases: { name: PartitionPhase; start_s: number; end_s: number }[];
}
