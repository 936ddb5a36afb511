/** The incident replay's phase figures and chart series, counted by the kit's one rule (load/request-figures.ts). */
import type { LoadPoints } from '../load/k6-points.ts';
import { byName, perSecond, requestFigures, sentBetween, sentByBucket } from '../load/request-figures.ts';
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

/** A phase's requests (sent in its window; the last keeps those still finishing), visitors and drops (by scenario). */
export function phaseStats(points: LoadPoints, startMs: number, w: PhaseWindow, last: boolean): PhaseStats {
  const reqs = sentBetween(points.requests, startMs + w.start_s * 1000, last ? Infinity : startMs + w.end_s * 1000);
  const f = requestFigures(reqs);
  return {
    requests: f.count,
    rps: perSecond(f.count, w.end_s - w.start_s),
    p50_ms: f.p50_ms,
    p95_ms: f.p95_ms,
    p99_ms: f.p99_ms,
    mean_ms: f.mean_ms,
    error_rate: f.failed_rate,
    dropped_iterations: points.dropped.filter((x) => x.scenario === w.name).reduce((s, x) => s + x.value, 0),
    iterations: points.iterations.filter((x) => x.scenario === w.name).length,
    endpoints: Object.fromEntries(byName(reqs).map(([name, rs]) => [name, endpointStats(rs)])),
  };
}

/** Per time bucket since the load started: what a person watching a dashboard would have seen. */
export function loadSeries(
  points: LoadPoints,
  startMs: number,
  bucketS: number,
  phases: PhaseWindow[],
): LoadSeriesPoint[] {
  const end = phases.at(-1)?.end_s ?? 0;
  const buckets = Math.max(1, Math.ceil(end / bucketS));
  const dropped = new Array<number>(buckets).fill(0);
  for (const x of points.dropped) {
    const b = Math.floor((x.ms - startMs) / 1000 / bucketS);
    if (b >= 0 && b < buckets) dropped[b] += x.value;
  }
  return sentByBucket(points.requests, startMs, bucketS, buckets).map((reqs, b) => {
    const t = b * bucketS;
    const f = requestFigures(reqs);
    return {
      t_s: t,
      phase: phases.find((p) => t >= p.start_s && t < p.end_s)?.name ?? phases.at(-1)!.name,
      product_list_p95_ms: requestFigures(reqs.filter((r) => r.name === 'product-list')).p95_ms,
      rps: perSecond(f.count, bucketS),
      error_rate: f.failed_rate,
      dropped: dropped[b],
    };
  });
}
