/**
 * One way to count requests, for every mode. The rules:
 * - A request belongs to the phase, period or time bucket in which it was SENT: its point's time (k6 stamps a
 *   request's samples when the answer came) minus its duration. A request sent just before a cut and timing out
 *   after it shows the state before the cut; a slow answer is charged to the load that caused it.
 * - An empty set of requests has a count of 0 and no other figure: p50/p95/p99, mean and failed share are null
 *   (nothing was measured), never 0 ms or 0 %.
 * - Durations are rounded to 0.1 ms, shares to 4 digits (0.01 %), rates per second to 2 digits.
 * Visitors (iterations) and dropped iterations are counted by the scenario they started in, which is how every
 * script names its phases.
 */
import type { RequestPoint } from './k6-points.ts';

export const round = (n: number, digits: number): number => Math.round(n * 10 ** digits) / 10 ** digits;
const ms = (n: number) => round(n, 1);
const share = (n: number) => round(n, 4);

export const sentAt = (r: RequestPoint): number => r.ms - r.duration;

/** requests sent in [fromMs, toMs); toMs Infinity keeps the ones still finishing after the last window */
export function sentBetween(reqs: readonly RequestPoint[], fromMs: number, toMs: number): RequestPoint[] {
  return reqs.filter((r) => sentAt(r) >= fromMs && sentAt(r) < toMs);
}

/** k6's percentile: linear interpolation between the closest ranks of the sorted values (0 for none, as k6) */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const x = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(x);
  const hi = Math.ceil(x);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (x - lo);
}

export interface RequestFigures {
  count: number;
  failed: number;
  failed_rate: number | null;
  p50_ms: number | null;
  p95_ms: number | null;
  p99_ms: number | null;
  mean_ms: number | null;
}

export function requestFigures(reqs: readonly RequestPoint[]): RequestFigures {
  const failed = reqs.filter((r) => r.failed).length;
  if (reqs.length === 0)
    return { count: 0, failed: 0, failed_rate: null, p50_ms: null, p95_ms: null, p99_ms: null, mean_ms: null };
  const d = reqs.map((r) => r.duration).sort((a, b) => a - b);
  return {
    count: reqs.length,
    failed,
    failed_rate: share(failed / reqs.length),
    p50_ms: ms(percentile(d, 50)),
    p95_ms: ms(percentile(d, 95)),
    p99_ms: ms(percentile(d, 99)),
    mean_ms: ms(d.reduce((s, v) => s + v, 0) / d.length),
  };
}

/** requests per second over a window of `seconds` */
export const perSecond = (count: number, seconds: number): number => round(count / seconds, 2);

/** the requests of each `bucketS`-second bucket from `startMs`, by the time they were sent */
export function sentByBucket(reqs: readonly RequestPoint[], startMs: number, bucketS: number, buckets: number) {
  const out: RequestPoint[][] = Array.from({ length: buckets }, () => []);
  for (const r of reqs) {
    const b = Math.floor((sentAt(r) - startMs) / 1000 / bucketS);
    if (b >= 0 && b < buckets) out[b].push(r);
  }
  return out;
}

/** the requests grouped by their name tag, names sorted */
export function byName(reqs: readonly RequestPoint[]): [string, RequestPoint[]][] {
  const groups = new Map<string, RequestPoint[]>();
  for (const r of reqs) {
    const list = groups.get(r.name);
    if (list) list.push(r);
    else groups.set(r.name, [r]);
  }
  return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
