/** The incident replay's phase figures and chart series, counted by the kit's one rule (load/request-figures.ts). */
import type { LoadPoints } from '../load/k6-points.ts';
import { byName, perSecond, requestFigures, sentBetween } from '../load/request-figures.ts';
import { phaseOverload } from '../load/overload.ts';
import { requestSeries } from '../load/request-series.ts';
import type { EndpointStats, LoadSeriesPoint, PhaseName, PhaseStats } from './types.ts';

export interface PhaseWindow {
  name: PhaseName;
  start_s: number;
  end_s: number;
}

function endpointStats(reqs: Parameters<typeof requestFigures>[0]): EndpointStats {
  const f = requestFigures(reqs);
  return { requests: f.count, p95_ms: f.p95_ms, error_rate: f.failed_rate };
}

/**
 * A phase's requests (sent in its window; the last keeps those still finishing), visitors and drops (by scenario),
 * and its overload against the capacity it met (`calibrationRps` where it never saturated).
 */
export function phaseStats(
  points: LoadPoints,
  startMs: number,
  w: PhaseWindow,
  last: boolean,
  calibrationRps: number | null = null,
): PhaseStats {
  const reqs = sentBetween(points.requests, startMs + w.start_s * 1000, last ? Infinity : startMs + w.end_s * 1000);
  const f = requestFigures(reqs);
  const o = phaseOverload(points.requests, startMs + w.start_s * 1000, startMs + w.end_s * 1000, calibrationRps);
  return {
    requests: f.count,
    rps: perSecond(f.count, w.end_s - w.start_s),
    p50_ms: f.p50_ms,
    p95_ms: f.p95_ms,
    p99_ms: f.p99_ms,
    mean_ms: f.mean_ms,
    error_rate: f.failed_rate,
    overload: o.overload,
    capacity_rps: o.capacity_rps,
    capacity_from: o.capacity_from,
    dropped_iterations: points.dropped.filter((x) => x.scenario === w.name).reduce((s, x) => s + x.value, 0),
    iterations: points.iterations.filter((x) => x.scenario === w.name).length,
    endpoints: Object.fromEntries(byName(reqs).map(([name, rs]) => [name, endpointStats(rs)])),
  };
}

/** Per time bucket since the load started (the kit's request series), each bucket with the phase it starts in. */
export function loadSeries(
  points: LoadPoints,
  startMs: number,
  bucketS: number,
  phases: PhaseWindow[],
): LoadSeriesPoint[] {
  const end = phases.at(-1)?.end_s ?? 0;
  const buckets = Math.max(1, Math.ceil(end / bucketS));
  return requestSeries(points, startMs, bucketS, buckets).map((b) => ({
    t_s: b.t_s,
    phase: phases.find((p) => b.t_s >= p.start_s && b.t_s < p.end_s)?.name ?? phases.at(-1)!.name,
    product_list_p95_ms: b.product_list_p95_ms,
    rps: b.rps,
    error_rate: b.error_rate,
    dropped: b.dropped,
  }));
}
