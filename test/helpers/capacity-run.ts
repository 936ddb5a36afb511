// A capacity run as capacity.json holds it, around the points a unit test made up: the review and the folder
// projections read it whole.
import { projectVariant } from '../../harness/capacity/projection.ts';
import type { CapacityPoint, CapacityResult } from '../../harness/capacity/types.ts';

/**
 * One of `before`'s points as one search finds it: the first failing rate 5 % above the capacity, or 1.3
 * visitors/min where even that failed; `extra` adds what the probes measured (solo, plan_memory).
 */
export function beforePoint(dates: number, capacity: number, extra: Partial<CapacityPoint> = {}): CapacityPoint {
  return {
    variant: 'before',
    dates,
    capacity_visitors_per_min: capacity,
    first_failing_visitors_per_min: capacity > 0 ? capacity * 1.05 : 1.3,
    steps: [],
    repeats: [],
    median: capacity,
    range: [capacity, capacity],
    bottleneck: null,
    ...extra,
  };
}

/** `before`'s points with the run's SLO; `projected` adds the variant's projection, as a finished sweep writes it */
export function capacityRun(points: CapacityPoint[], sloMs: number, projected = true): CapacityResult {
  return {
    schema: 'loadlab.capacity/v1',
    run_id: 'r1',
    started_at: 's',
    finished_at: 'f',
    slo: { product_list_p95_ms: sloMs, max_error_rate: 0.01 },
    step_duration_s: 15,
    machine: null,
    points,
    ...(projected
      ? { repeats: 3, variants: [{ variant: 'before', projection: projectVariant(points, sloMs), usl: null }] }
      : {}),
  };
}
