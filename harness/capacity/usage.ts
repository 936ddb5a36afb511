import { startsEntry } from '../process/compiled-entry.ts';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import pg from 'pg';
import { processCpuMs, procSampler } from '../stats/sources/proc.ts';
import type { StepUsage } from './types.ts';

/** What a step's figures are read from: the database, its postmaster (when ours) and the harness's children. */
export interface UsageSources {
  dbUrl: string;
  /** the embedded server's postmaster; absent for a server of the user's own */
  postmasterPid?: number;
}

interface Tick {
  t: number;
  machine: { busy: number; total: number } | null;
  shop: number | undefined;
  runner: number | undefined;
  db: { cpu_ms: number; read_bytes: number | null } | null;
  temp_bytes: number | null;
  active: number | null;
  io_waiting: number | null;
}

function machineTicks(): Tick['machine'] {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal: idle and iowait are the cores doing nothing
    const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
    return { busy: total - v[3] - v[4], total };
  } catch {
    return null;
  }
}

/** Children of this process whose command line names `entry` (the runner's cli.ts, the shop's script). */
export function childPid(entry: string): number | undefined {
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid) continue;
      if (
        readFileSync(`/proc/${e}/cmdline`, 'utf8')
          .split('\0')
          .some((a) => startsEntry(a, entry))
      )
        return Number(e);
    } catch {
      // gone between the listing and the read
    }
  }
  return undefined;
}

/** the shop used 10 ms of CPU in a tick, or the database ran a statement: visitors are arriving */
function loadArrived(prev: Tick | undefined, cur: Tick): boolean {
  if (!prev) return false;
  const shopMoved = prev.shop !== undefined && cur.shop !== undefined && cur.shop - prev.shop >= 10;
  return shopMoved || (cur.active ?? 0) > 0;
}

const ACTIVITY_SQL = `SELECT (SELECT temp_bytes FROM pg_stat_database WHERE datname = current_database())::float8 AS temp_bytes,
  count(*) FILTER (WHERE state = 'active' AND backend_type = 'client backend')::int AS active,
  count(*) FILTER (WHERE state = 'active' AND backend_type = 'client backend' AND wait_event_type = 'IO')::int AS io
  FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`;

/**
 * Samples once a second from when the step's visitors reach the shop, for the `windowS` of their arrivals (not
 * the drain of those still on their way after it), until `ended` resolves or `signal` aborts, and returns the
 * rates between the first sample of that window and the last. When the load never shows, the whole run counts.
 */
export async function measureStep(
  src: UsageSources,
  windowS: number,
  ended: Promise<void>,
  signal: AbortSignal,
): Promise<StepUsage> {
  const client = new pg.Client({ connectionString: src.dbUrl, application_name: 'loadlab capacity usage' });
  await client.connect();
  const proc = src.postmasterPid ? procSampler({ postmasterPid: src.postmasterPid }) : undefined;
  const ticks: Tick[] = [];
  let over = false;
  void ended.then(() => (over = true));
  const shopPid = childPid('scripts/shop.ts');
  let runnerPid: number | undefined;
  // the window opens when the load reaches the shop (its CPU moves), not when the runner was spawned: on a busy
  // machine the runner can take seconds to start its first visitor
  let until = Number.POSITIVE_INFINITY;
  try {
    while (!over && !signal.aborted && performance.now() < until) {
      await Promise.race([ended, new Promise((r) => setTimeout(r, 1000).unref())]);
      if (over || signal.aborted) break;
      runnerPid ??= childPid('runner/cli.ts');
      const row = (await client.query(ACTIVITY_SQL)).rows[0] as {
        temp_bytes: number | null;
        active: number;
        io: number;
      };
      const db = proc ? await proc.sample() : null;
      const tick: Tick = {
        t: performance.now(),
        machine: machineTicks(),
        shop: shopPid === undefined ? undefined : processCpuMs(shopPid),
        runner: runnerPid === undefined ? undefined : processCpuMs(runnerPid),
        db: db ? { cpu_ms: db.cpu_ms, read_bytes: db.read_bytes } : null,
        temp_bytes: row.temp_bytes,
        active: row.active,
        io_waiting: row.io,
      };
      const prev = ticks.at(-1);
      if (until === Number.POSITIVE_INFINITY && loadArrived(prev, tick)) {
        until = tick.t + windowS * 1000;
        ticks.length = 0;
      }
      ticks.push(tick);
    }
  } finally {
    await client.end().catch(() => {});
  }
  return usageBetween(ticks);
}

function usageBetween(ticks: Tick[]): StepUsage {
  const cpus = os.cpus().length;
  const first = ticks[0];
  const last = ticks.at(-1);
  const s = first && last && last !== first ? (last.t - first.t) / 1000 : 0;
  const rate = (a: number | null | undefined, b: number | null | undefined) =>
    s > 0 && a != null && b != null ? (b - a) / s : null;
  // the runner's pid shows up a tick or two late: its rate runs from the first tick that has it
  const seen = ticks.filter((t) => t.runner !== undefined);
  const runnerS = seen.length > 1 ? (seen.at(-1)!.t - seen[0].t) / 1000 : 0;
  const runnerCores = runnerS > 0 ? (seen.at(-1)!.runner! - seen[0].runner!) / runnerS / 1000 : null;
  const round = (n: number | null, d = 1000) => (n === null ? null : Math.round(n * d) / d);
  const later = ticks.slice(1);
  const avg = (k: 'active' | 'io_waiting') =>
    later.length && later.every((t) => t[k] !== null) ? later.reduce((a, t) => a + t[k]!, 0) / later.length : null;
  const m0 = first?.machine;
  const m1 = last?.machine;
  return {
    seconds: Math.round(s * 10) / 10,
    cpus,
    machine_cpu_busy: round(m0 && m1 && m1.total > m0.total ? (m1.busy - m0.busy) / (m1.total - m0.total) : null),
    shop_cpu_cores: round(rate(first?.shop, last?.shop) === null ? null : rate(first?.shop, last?.shop)! / 1000),
    runner_cpu_cores: round(runnerCores),
    db_cpu_cores: round(
      rate(first?.db?.cpu_ms, last?.db?.cpu_ms) === null ? null : rate(first?.db?.cpu_ms, last?.db?.cpu_ms)! / 1000,
    ),
    db_read_bytes_per_s: round(rate(first?.db?.read_bytes, last?.db?.read_bytes), 1),
    db_temp_bytes_per_s: round(rate(first?.temp_bytes, last?.temp_bytes), 1),
    db_active_statements: round(avg('active')),
    db_io_waiting: round(avg('io_waiting')),
  };
}
