// series.json of a merged incident run: per second over the whole merged time range, the request series the incident
// replay plots (the kit's load/request-series.ts), and each phase's span from its scenario's first to its last point.
import type { LoadPoints } from '../load/k6-points.ts';
import { round, sentAt } from '../load/request-figures.ts';
import { requestSeries, type RequestBucket } from '../load/request-series.ts';
import type { PhaseSpan } from '../report/chart-spec.ts';
import { phaseOrder } from './figures.ts';
import type { MergeRecord } from './record.ts';

export const MERGE_SERIES_SCHEMA = 'loadlab.merge-series/v1';
/** one-second buckets, as the incident replay's --quick charts: a merged run is read second by second */
const BUCKET_S = 1;

export interface MergedSeries {
  schema: typeof MERGE_SERIES_SCHEMA;
  /** time zero of every t_s: the first point of any file, or the first request's send time (its point's time
   * minus its duration) when that is earlier, down to the whole millisecond */
  start: string;
  /** the last point of any file */
  end: string;
  range_s: number;
  bucket_s: number;
  /** each scenario from its first point (a request's send time) to its last, over every instance */
  phases: PhaseSpan[];
  /** one per bucket from 0 to range_s: requests counted in the bucket they were sent in */
  points: RequestBucket[];
}

/** the earliest and latest of a scenario's points, in ms */
function spans(points: LoadPoints): Map<string, [number, number]> {
  const out = new Map<string, [number, number]>();
  const see = (scenario: string, from: number, to: number) => {
    const s = out.get(scenario);
    if (!s) out.set(scenario, [from, to]);
    else [s[0], s[1]] = [Math.min(s[0], from), Math.max(s[1], to)];
  };
  for (const r of points.requests) see(r.scenario, sentAt(r), r.ms);
  for (const d of points.dropped) see(d.scenario, d.ms, d.ms);
  for (const i of points.iterations) see(i.scenario, i.ms, i.ms);
  return out;
}

export function mergedSeries(record: MergeRecord, points: LoadPoints): MergedSeries {
  let startMs = Date.parse(record.first);
  for (const r of points.requests) startMs = Math.min(startMs, sentAt(r));
  // a whole millisecond, so `start` names time zero exactly
  startMs = Math.floor(startMs);
  const endMs = Date.parse(record.last);
  const rangeS = round(Math.max(0, endMs - startMs) / 1000, 3);
  // a bucket also for a request sent in the range's last instant: every request of the range is counted once
  const buckets = Math.floor(rangeS / BUCKET_S) + 1;
  const at = (ms: number) => round((ms - startMs) / 1000, 3);
  return {
    schema: MERGE_SERIES_SCHEMA,
    start: new Date(startMs).toISOString(),
    end: new Date(endMs).toISOString(),
    range_s: rangeS,
    bucket_s: BUCKET_S,
    phases: [...spans(points).entries()]
      .sort(([a], [b]) => phaseOrder(a, b))
      .map(([name, [from, to]]) => ({ name, start_s: at(from), end_s: at(to) })),
    points: requestSeries(points, startMs, BUCKET_S, buckets),
  };
}

export interface Peak {
  value: number;
  t_s: number;
}

export interface PhasePeaks {
  phase: PhaseSpan;
  productListP95: Peak | null;
  p95: Peak | null;
  rps: Peak | null;
  errorRate: Peak | null;
}

function peak(buckets: RequestBucket[], get: (b: RequestBucket) => number | null): Peak | null {
  let best: Peak | null = null;
  for (const b of buckets) {
    const v = get(b);
    if (v !== null && (best === null || v > best.value)) best = { value: v, t_s: b.t_s };
  }
  return best;
}

/** What the charts show in each phase's band: the highest value of each series in the seconds the band touches. */
export function phasePeaks(series: MergedSeries): PhasePeaks[] {
  return series.phases.map((phase) => {
    const inBand = series.points.filter((b) => b.t_s + series.bucket_s > phase.start_s && b.t_s <= phase.end_s);
    return {
      phase,
      productListP95: peak(inBand, (b) => b.product_list_p95_ms),
      p95: peak(inBand, (b) => b.p95_ms),
      rps: peak(inBand, (b) => b.rps),
      errorRate: peak(inBand, (b) => b.error_rate),
    };
  });
}
