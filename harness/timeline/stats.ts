import type { LoadPoints, RequestPoint } from '../load/k6-points.ts';
import { percentile, requestFigures, round, sentBetween, sentByBucket } from '../load/request-figures.ts';
import type { PhaseDelta, RatePoint } from '../stats/types.ts';
import {
  TENANTS,
  type GroupStats,
  type PeriodDb,
  type PeriodName,
  type Tenant,
  type TimelinePoint,
  type TimelineSeries,
} from './types.ts';

export interface Window {
  name: PeriodName;
  start_s: number;
  end_s: number;
}

/** The waiting room's page: not the page the visitor asked for, so kept out of latency and failure figures. */
export const QUEUE_STATUS = 202;

/** Scenarios are named tenant-period (loadtests/timeline.ts). */
export const tenantOf = (scenario: string): Tenant | undefined => TENANTS.find((t) => scenario.startsWith(`${t}-`));

function latency(reqs: RequestPoint[]): {
  p50: number | null;
  p95: number | null;
  mean: number | null;
  failed: number | null;
} {
  const f = requestFigures(reqs);
  return { p50: f.p50_ms, p95: f.p95_ms, mean: f.mean_ms, failed: f.failed_rate };
}

/**
 * Requests belong to the period in which they were sent (a request sent just before the cut and timing out
 * after it shows the state before the cut); the last period also keeps the visits still finishing after it.
 */
export function inWindow(points: LoadPoints, startMs: number, w: Window, last: boolean): RequestPoint[] {
  return sentBetween(points.requests, startMs + w.start_s * 1000, last ? Infinity : startMs + w.end_s * 1000);
}

/** What one tenant group met in one period; visitors, drops and queue waits by the period they arrived in. */
export function groupStats(
  points: LoadPoints,
  windowed: RequestPoint[],
  period: PeriodName,
  tenant: Tenant,
): GroupStats {
  const mine = windowed.filter((r) => tenantOf(r.scenario) === tenant);
  const pages = mine.filter((r) => r.status !== QUEUE_STATUS);
  const all = latency(pages);
  const scenario = `${tenant}-${period}`;
  const waits = (points.custom.queue_wait ?? [])
    .filter((p) => p.scenario === scenario)
    .map((p) => p.value)
    .sort((a, b) => a - b);
  return {
    count: pages.length,
    p95_ms: all.p95,
    failed_rate: all.failed,
    p50_ms: all.p50,
    mean_ms: all.mean,
    product_list_p95_ms: latency(pages.filter((r) => r.name === 'product-list')).p95,
    queue_pages: mine.length - pages.length,
    visitors: points.iterations.filter((i) => i.scenario === scenario).length,
    dropped_visitors: points.dropped.filter((x) => x.scenario === scenario).reduce((s, x) => s + x.value, 0),
    queue_wait_p95_s: waits.length ? round(percentile(waits, 95) / 1000, 1) : null,
  };
}

export function periodDb(d: PhaseDelta | undefined, w: Window): PeriodDb {
  const seconds = w.end_s - w.start_s;
  const active = (d?.series ?? []).map((p) => p.active_connections).filter((v): v is number => v !== null);
  return {
    temp_bytes: d?.temp_bytes ?? null,
    temp_bytes_per_s: d?.temp_bytes == null ? null : Math.round(d.temp_bytes / seconds),
    product_list_calls: d?.product_list_query?.calls ?? null,
    product_list_mean_ms: d?.product_list_query?.mean_ms ?? null,
    cpu_ms: d?.cpu_ms ?? null,
    max_active_connections: active.length ? Math.max(...active) : null,
  };
}

/** The chart's buckets: per tenant, p95 and errors of the pages sent in the bucket; the DB's temp file rate. */
export function timelineSeries(
  points: LoadPoints,
  db: RatePoint[],
  startMs: number,
  endS: number,
  bucketS: number,
): TimelineSeries {
  const buckets = Math.max(1, Math.ceil(endS / bucketS));
  const pages = (t: Tenant) => points.requests.filter((r) => tenantOf(r.scenario) === t && r.status !== QUEUE_STATUS);
  const reqs: Record<Tenant, RequestPoint[][]> = {
    hot: sentByBucket(pages('hot'), startMs, bucketS, buckets),
    others: sentByBucket(pages('others'), startMs, bucketS, buckets),
  };
  const temp: number[][] = Array.from({ length: buckets }, () => []);
  for (const p of db) {
    // a sample closes the second before it: it belongs to the bucket that second is in
    const b = Math.floor(((p.t_ms - startMs) / 1000 - 0.5) / bucketS);
    if (p.temp_bytes_per_s !== null && b >= 0 && b < buckets) temp[b].push(p.temp_bytes_per_s);
  }
  const points_: TimelinePoint[] = [];
  for (let b = 0; b < buckets; b++) {
    const hot = latency(reqs.hot[b]);
    const others = latency(reqs.others[b]);
    points_.push({
      t_s: b * bucketS,
      hot_p95_ms: hot.p95,
      others_p95_ms: others.p95,
      hot_error_pct: hot.failed === null ? null : round(hot.failed * 100, 1),
      others_error_pct: others.failed === null ? null : round(others.failed * 100, 1),
      temp_bytes_per_s: temp[b].length ? Math.round(temp[b].reduce((s, v) => s + v, 0) / temp[b].length) : null,
    });
  }
  return { bucket_s: bucketS, points: points_ };
}
