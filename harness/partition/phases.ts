import type { LoadPoints, RequestPoint } from '../load/k6-points.ts';
import { byName, requestFigures, round, sentBetween, sentByBucket } from '../load/request-figures.ts';
import type { ActionFigures, PartitionPhase, PartitionSeries, PhaseFigures } from './types.ts';

export const PAGE_NAMES = new Set(['calendar', 'product-list']);
export const ASYNC_NAMES = new Set(['cart-add', 'checkout', 'cart-add-retry', 'checkout-retry']);
const RETRY_NAMES = new Set(['cart-add-retry', 'checkout-retry']);

export interface PhaseWindow {
  name: PartitionPhase;
  startMs: number;
  endMs: number;
}

function figures(reqs: RequestPoint[]): ActionFigures {
  const f = requestFigures(reqs);
  return { count: f.count, failed_rate: f.failed_rate, p95_ms: f.p95_ms };
}

export function phaseFigures(points: LoadPoints, w: PhaseWindow): PhaseFigures {
  const reqs = sentBetween(points.requests, w.startMs, w.endMs);
  const retries = reqs.filter((r) => RETRY_NAMES.has(r.name));
  const endpoints: PhaseFigures['endpoints'] = {};
  for (const [name, rs] of byName(reqs)) {
    const f = figures(rs);
    endpoints[name] = { requests: f.count, p95_ms: f.p95_ms, error_rate: f.failed_rate };
  }
  return {
    async_actions: figures(reqs.filter((r) => ASYNC_NAMES.has(r.name))),
    pages: figures(reqs.filter((r) => PAGE_NAMES.has(r.name))),
    retries: {
      count: retries.length,
      succeeded_rate: retries.length ? round(retries.filter((r) => !r.failed).length / retries.length, 4) : null,
    },
    endpoints,
  };
}

/** Asynchronous actions the visitors saw succeed (200): each is one finished task's answer. */
export function acknowledgedActions(points: LoadPoints): number {
  return points.requests.filter((r) => ASYNC_NAMES.has(r.name) && r.status === 200).length;
}

/**
 * Per time bucket since the load started: the failure rates a dashboard would have shown, with the web workers in
 * the balancer's rotation and the task workers taking tasks at the bucket's start.
 */
export function partitionSeries(
  points: LoadPoints,
  windows: PhaseWindow[],
  bucketS: number,
  inRotation: (ms: number) => number,
  taking: (ms: number) => number,
): PartitionSeries {
  const startMs = windows[0].startMs;
  const endMs = windows.at(-1)!.endMs;
  const buckets = Math.max(1, Math.ceil((endMs - startMs) / 1000 / bucketS));
  const byBucket = sentByBucket(points.requests, startMs, bucketS, buckets);
  const rate = (reqs: RequestPoint[]) => requestFigures(reqs).failed_rate;
  const phaseAt = (ms: number) => windows.find((w) => ms >= w.startMs && ms < w.endMs)?.name ?? windows.at(-1)!.name;
  return {
    bucket_s: bucketS,
    points: byBucket.map((reqs, b) => {
      const at = startMs + b * bucketS * 1000;
      const asyncReqs = reqs.filter((r) => ASYNC_NAMES.has(r.name));
      const pageReqs = reqs.filter((r) => PAGE_NAMES.has(r.name));
      return {
        t_s: b * bucketS,
        phase: phaseAt(at),
        async_actions: asyncReqs.length,
        async_failed_rate: rate(asyncReqs),
        pages: pageReqs.length,
        pages_failed_rate: rate(pageReqs),
        webs_in_rotation: inRotation(at),
        tasks_taking: taking(at),
      };
    }),
    phases: windows.map((w) => ({
      name: w.name,
      start_s: round((w.startMs - startMs) / 1000, 1),
      end_s: round((w.endMs - startMs) / 1000, 1),
    })),
  };
}
