import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';

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
