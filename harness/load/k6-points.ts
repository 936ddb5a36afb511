import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import type { EndpointStats, LoadSeriesPoint, PhaseName, PhaseStats } from '../incident/types.ts';

/** A request as the runner's `--out json` lines describe it (k6's point format). */
export interface RequestPoint {
  ms: number;
  scenario: string;
  name: string;
  duration: number;
  failed: boolean;
  /** the HTTP status (0: no answer, e.g. a timeout) */
  status: number;
}

/** One sample of a metric of the script's own (a Trend's value, a Counter's increment). */
export interface MetricPoint {
  ms: number;
  scenario: string;
  value: number;
}

export interface LoadPoints {
  requests: RequestPoint[];
  dropped: { ms: number; scenario: string; value: number }[];
  iterations: { ms: number; scenario: string }[];
  /** the script's own metrics asked for by name */
  custom: Record<string, MetricPoint[]>;
}

/**
 * Reads the points that matter for the report. A request's failure comes from its http_req_failed point,
 * which k6 emits right after the duration point with the same tags: so it belongs to the latest duration of
 * that name and scenario (a request without a response callback has no failed point and stays unfailed).
 */
export async function readLoadPoints(file: string, opts: { custom?: string[] } = {}): Promise<LoadPoints> {
  const out: LoadPoints = {
    requests: [],
    dropped: [],
    iterations: [],
    custom: Object.fromEntries((opts.custom ?? []).map((m) => [m, []])),
  };
  const raw = createReadStream(file);
  const lines = createInterface({ input: file.endsWith('.gz') ? raw.pipe(createGunzip()) : raw, crlfDelay: Infinity });
  const awaitingFailed = new Map<string, RequestPoint>();
  for await (const line of lines) {
    if (!line.includes('"Point"')) continue;
    let p: { type: string; metric: string; data: { time: string; value: number; tags?: Record<string, string> } };
    try {
      p = JSON.parse(line);
    } catch {
      continue; // a line cut short by an interrupted run
    }
    const tags = p.data.tags ?? {};
    const ms = Date.parse(p.data.time);
    switch (p.metric) {
      case 'http_req_duration': {
        const r: RequestPoint = {
          ms,
          scenario: tags.scenario ?? 'default',
          name: tags.name ?? tags.url ?? '',
          duration: p.data.value,
          failed: false,
          status: Number(tags.status ?? 0) || 0,
        };
        out.requests.push(r);
        awaitingFailed.set(`${r.scenario}\u0001${r.name}`, r);
        break;
      }
      case 'http_req_failed': {
        const key = `${tags.scenario ?? 'default'}\u0001${tags.name ?? tags.url ?? ''}`;
        const r = awaitingFailed.get(key);
        if (r) {
          r.failed = p.data.value !== 0;
          awaitingFailed.delete(key);
        }
        break;
      }
      case 'dropped_iterations':
        out.dropped.push({ ms, scenario: tags.scenario ?? 'default', value: p.data.value });
        break;
      case 'iterations':
        out.iterations.push({ ms, scenario: tags.scenario ?? 'default' });
        break;
      default:
        if (Object.hasOwn(out.custom, p.metric))
          out.custom[p.metric].push({ ms, scenario: tags.scenario ?? 'default', value: p.data.value });
    }
  }
  return out;
}

/** k6's percentile: linear interpolation between the closest ranks of the sorted values. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const x = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(x);
  const hi = Math.ceil(x);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (x - lo);
}

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

function endpointStats(reqs: RequestPoint[]): EndpointStats {
  const d = reqs.map((r) => r.duration).sort((a, b) => a - b);
  return {
    requests: reqs.length,
    p95_ms: round(percentile(d, 95)),
    error_rate: reqs.length ? round(reqs.filter((r) => r.failed).length / reqs.length, 4) : 0,
  };
}

export function phaseStats(points: LoadPoints, phase: PhaseName, durationS: number): PhaseStats {
  const reqs = points.requests.filter((r) => r.scenario === phase);
  const d = reqs.map((r) => r.duration).sort((a, b) => a - b);
  const names = [...new Set(reqs.map((r) => r.name))].sort();
  const endpoints: Record<string, EndpointStats> = {};
  for (const n of names) endpoints[n] = endpointStats(reqs.filter((r) => r.name === n));
  return {
    requests: reqs.length,
    rps: round(reqs.length / durationS, 2),
    p50_ms: round(percentile(d, 50)),
    p95_ms: round(percentile(d, 95)),
    p99_ms: round(percentile(d, 99)),
    error_rate: reqs.length ? round(reqs.filter((r) => r.failed).length / reqs.length, 4) : 0,
    dropped_iterations: points.dropped.filter((x) => x.scenario === phase).reduce((s, x) => s + x.value, 0),
    iterations: points.iterations.filter((x) => x.scenario === phase).length,
    endpoints,
  };
}

/** Per time bucket since the load started: what a person watching a dashboard would have seen. */
export function loadSeries(
  points: LoadPoints,
  startMs: number,
  bucketS: number,
  phases: { name: PhaseName; start_s: number; end_s: number }[],
): LoadSeriesPoint[] {
  const end = phases.at(-1)?.end_s ?? 0;
  const buckets = Math.max(1, Math.ceil(end / bucketS));
  const byBucket: RequestPoint[][] = Array.from({ length: buckets }, () => []);
  for (const r of points.requests) {
    // k6 stamps a request's samples with the time it completed
    const b = Math.floor((r.ms - startMs) / 1000 / bucketS);
    if (b >= 0 && b < buckets) byBucket[b].push(r);
  }
  const dropped = new Array<number>(buckets).fill(0);
  for (const x of points.dropped) {
    const b = Math.floor((x.ms - startMs) / 1000 / bucketS);
    if (b >= 0 && b < buckets) dropped[b] += x.value;
  }
  return byBucket.map((reqs, b) => {
    const t = b * bucketS;
    const pl = reqs
      .filter((r) => r.name === 'product-list')
      .map((r) => r.duration)
      .sort((a, c) => a - c);
    const phase = phases.find((p) => t >= p.start_s && t < p.end_s)?.name ?? phases.at(-1)!.name;
    return {
      t_s: t,
      phase,
      product_list_p95_ms: pl.length ? round(percentile(pl, 95)) : null,
      rps: round(reqs.length / bucketS, 2),
      error_rate: reqs.length ? round(reqs.filter((r) => r.failed).length / reqs.length, 4) : 0,
      dropped: dropped[b],
    };
  });
}
