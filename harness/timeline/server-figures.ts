/**
 * The per-server samples turned into the figures the summary and the chart carry: per period and server, the
 * temp bytes written per second, statements running on average, the largest replay lag, product-list calls; per
 * chart bucket and server, the temp bytes per second.
 */
import type { ServerRole } from '../db/replicas.ts';
import type { PeriodPlan } from './plan.ts';
import type { ServerPeriod } from './platform-types.ts';
import type { ServerSample } from './server-sampler.ts';

export interface ServerRef {
  name: string;
  role: ServerRole;
}

interface Increment {
  t_ms: number;
  value: number;
}

/**
 * A cumulative counter's growth between consecutive readings, at the later reading's time. A counter lower than
 * before was reset (the server restarted): it grew from zero.
 */
export function increments(samples: ServerSample[], get: (s: ServerSample) => number | null): Increment[] {
  const out: Increment[] = [];
  let last: number | null = null;
  for (const s of samples) {
    const v = get(s);
    if (v === null) continue;
    if (last !== null) out.push({ t_ms: s.t_ms, value: v >= last ? v - last : v });
    last = v;
  }
  return out;
}

/** the server the GET pages read from in each period: the first replica (or the primary), moved by `reads` switches */
export function readsByPeriod(plan: Pick<PeriodPlan, 'switches'>[], servers: ServerRef[]): string[] {
  let reads = servers.find((s) => s.role === 'replica')?.name ?? 'primary';
  return plan.map((p) => (reads = p.switches.reads ?? reads));
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

export function serverPeriods(
  samples: ServerSample[],
  servers: ServerRef[],
  windows: { start_s: number; end_s: number }[],
  startMs: number,
  reads: string[],
): ServerPeriod[][] {
  const byServer = new Map(servers.map((s) => [s.name, samples.filter((x) => x.server === s.name)]));
  return windows.map((w, i) => {
    const from = startMs + w.start_s * 1000;
    const to = startMs + w.end_s * 1000;
    const seconds = w.end_s - w.start_s;
    return servers.map((s): ServerPeriod => {
      const mine = byServer.get(s.name) ?? [];
      const inside = mine.filter((x) => x.t_ms > from && x.t_ms <= to);
      const sum = (get: (x: ServerSample) => number | null) => {
        const inc = increments(mine, get).filter((x) => x.t_ms > from && x.t_ms <= to);
        return inc.length ? inc.reduce((a, x) => a + x.value, 0) : null;
      };
      // the bytes as written (/proc) where the server is ours, else pg_stat_database's count at each query's end
      const byProc = mine.some((x) => x.write_bytes != null);
      const temp = sum(byProc ? (x) => x.write_bytes ?? null : (x) => x.temp_bytes);
      const running = inside.map((x) => x.running).filter((v): v is number => v !== null);
      const lags = inside.map((x) => x.lag_ms).filter((v): v is number => v !== null);
      return {
        name: s.name,
        role: s.role,
        reads: reads[i] === s.name,
        temp_bytes_per_s: temp === null ? null : Math.round(temp / seconds),
        temp_measured_by: byProc ? 'proc' : 'pg_stat_database',
        running_avg: running.length ? round(running.reduce((a, v) => a + v, 0) / running.length, 2) : null,
        replication_lag_ms: s.role === 'replica' && lags.length ? Math.round(Math.max(...lags)) : null,
        product_list_calls: sum((x) => x.product_list_calls),
      };
    });
  });
}

/** Per chart bucket, each server's temp bytes per second (null where it had no reading). */
export function serverSeries(
  samples: ServerSample[],
  servers: ServerRef[],
  startMs: number,
  bucketS: number,
  buckets: number,
): Record<string, number | null>[] {
  const out: Record<string, number | null>[] = Array.from({ length: buckets }, () => ({}));
  for (const s of servers) {
    const sums: (number | null)[] = Array.from({ length: buckets }, () => null);
    const mine = samples.filter((x) => x.server === s.name);
    const byProc = mine.some((x) => x.write_bytes != null);
    for (const inc of increments(mine, byProc ? (x) => x.write_bytes ?? null : (x) => x.temp_bytes)) {
      // a reading closes the second before it: it belongs to the bucket that second is in
      const b = Math.floor(((inc.t_ms - startMs) / 1000 - 0.5) / bucketS);
      if (b >= 0 && b < buckets) sums[b] = (sums[b] ?? 0) + inc.value;
    }
    for (const [b, v] of sums.entries()) out[b][s.name] = v === null ? null : Math.round(v / bucketS);
  }
  return out;
}
