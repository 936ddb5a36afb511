/**
 * Request figures per time bucket, by the one counting rule (request-figures.ts: a request belongs to the bucket it
 * was sent in). What a person watching a dashboard would have seen; the incident replay and the merge of several
 * instances plot the same series from it, so the two charts of one test cannot disagree.
 */
import type { LoadPoints } from './k6-points.ts';
import { perSecond, requestFigures, sentByBucket } from './request-figures.ts';

/** the name tag of the product list's requests in the incident script (loadtests/lib/journey.ts) */
export const PRODUCT_LIST = 'product-list';

export interface RequestBucket {
  /** seconds since the series' start, at the bucket's start */
  t_s: number;
  requests: number;
  /** requests sent per second in the bucket */
  rps: number;
  /** p95 over every request of the bucket; null without requests */
  p95_ms: number | null;
  /** p95 of the product list's requests; null when the bucket has none */
  product_list_p95_ms: number | null;
  /** failed share, 0..1; null without requests */
  error_rate: number | null;
  /** iterations (visitors) the executors dropped in the bucket */
  dropped: number;
}

/** `buckets` buckets of `bucketS` seconds from `startMs`; requests sent outside them are not counted. */
export function requestSeries(
  points: Pick<LoadPoints, 'requests' | 'dropped'>,
  startMs: number,
  bucketS: number,
  buckets: number,
): RequestBucket[] {
  const dropped = new Array<number>(buckets).fill(0);
  for (const x of points.dropped) {
    const b = Math.floor((x.ms - startMs) / 1000 / bucketS);
    if (b >= 0 && b < buckets) dropped[b] += x.value;
  }
  return sentByBucket(points.requests, startMs, bucketS, buckets).map((reqs, b) => {
    const f = requestFigures(reqs);
    return {
      t_s: b * bucketS,
      requests: f.count,
      rps: perSecond(f.count, bucketS),
      p95_ms: f.p95_ms,
      product_list_p95_ms: requestFigures(reqs.filter((r) => r.name === PRODUCT_LIST)).p95_ms,
      error_rate: f.failed_rate,
      dropped: dropped[b],
    };
  });
}
