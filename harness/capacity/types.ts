import type { MachineFacts } from '../db/machine.ts';

/** capacity.json (schema loadlab.capacity/v1): the highest arrival rate each variant sustains per dataset size. */
export interface CapacityStep {
  visitors_per_min: number;
  product_list_p95_ms: number;
  error_rate: number;
  dropped_iterations: number;
  passed: boolean;
}

export interface CapacityPoint {
  variant: 'before' | 'after';
  dates: number;
  /** the highest rate that met the SLO; 0 when even the lowest tried rate failed */
  capacity_visitors_per_min: number;
  /** the lowest rate that failed, when one was found: the true capacity lies between the two */
  first_failing_visitors_per_min: number | null;
  steps: CapacityStep[];
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
}
