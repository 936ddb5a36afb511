import { CAUSE_SHARE, SAME_WORK, STRESSED_BUSY, SYMPTOM_MIN_MS, SYMPTOM_SLOWDOWN } from '../statement-diagnosis.ts';
import { nextStep } from './advice.ts';
import type { WindowFigures } from './window.ts';
import type {
  ActiveStatement,
  CauseVerdict,
  ServerState,
  ServerVerdict,
  StatementCounters,
  StatementInfo,
  SymptomVerdict,
  TenantShare,
} from './types.ts';

/**
 * One server's verdict over the last window, from its own statistics only, with the replay's Diagnosis rules
 * (harness/stats/statement-diagnosis.ts) read live:
 * - state: stressed when on average at least one statement was running (activity samples), quiet under BUSY_FROM;
 * - cause: under stress, the statement doing at least half of the work (pg_stat_statements: blocks + temp blocks)
 *   or of the active time (activity samples: a 10 s statement shows there before it ends), whose cost per call
 *   was high before the stress: its work per call (HIGH_WORK blocks; work per call does not move with load) or
 *   its time per call in the calm intervals (HIGH_MS), each also HIGH_RATIO times the usual statement's. A
 *   statement that only waits (time per call up, work per call the same) is a symptom, never the cause;
 * - tenants: the cause's active samples grouped by their sqlcommenter tags (pg_stat_statements merges tenants).
 */

/** statements running on average from which the server counts as busy rather than quiet */
export const BUSY_FROM = 0.1;
/** a cause reads at least this many blocks per call (1 MiB at 8 kB blocks)... */
export const HIGH_WORK = 128;
/** ...and this many times the calls-weighted median of the other statements */
export const HIGH_RATIO = 10;
/** or its calls take at least this many ms (in calm intervals when there were some)... */
export const HIGH_MS = 5;
/** without pg_stat_statements: a cause's calls run at least this long (activity samples) */
export const LONG_RUNNING_MS = 100;
/** tags that say where in the application a statement came from, not whose it is */
const REQUEST_KEYS = new Set(['route', 'controller', 'action', 'framework', 'db_driver', 'traceparent', 'tracestate']);

const work = (c: StatementCounters) => c.blocks + c.temp_blocks;
const perCall = (c: StatementCounters | undefined, pick: (c: StatementCounters) => number) =>
  c && c.calls > 0 ? pick(c) / c.calls : null;
const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;

function weightedMedian(pairs: { value: number; weight: number }[]): number | null {
  const total = pairs.reduce((s, p) => s + p.weight, 0);
  if (total <= 0) return null;
  let seen = 0;
  for (const p of [...pairs].sort((a, b) => a.value - b.value)) {
    seen += p.weight;
    if (seen >= total / 2) return p.value;
  }
  return null;
}

const median = (xs: number[]) => (xs.length === 0 ? null : [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]);

export function tenantOf(tags: Record<string, string> | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(tags ?? {})) if (!REQUEST_KEYS.has(k)) out[k] = v;
  return out;
}

function tenantShares(rows: ActiveStatement[]): TenantShare[] {
  const counts = new Map<string, { tags: Record<string, string>; n: number }>();
  for (const r of rows) {
    const tags = tenantOf(r.tags);
    const key = JSON.stringify(Object.entries(tags).sort());
    const e = counts.get(key) ?? { tags, n: 0 };
    e.n++;
    counts.set(key, e);
  }
  return [...counts.values()]
    .sort((a, b) => b.n - a.n)
    .slice(0, 5)
    .map((e) => ({ tags: e.tags, share: round(e.n / rows.length) }));
}

interface Judged {
  fingerprint: string;
  workShare: number;
  activeShare: number;
  rows: ActiveStatement[];
}

/** A symptom: time per call at least SYMPTOM_SLOWDOWN x its calm figure with the same work per call. */
function slowdown(now: StatementCounters | undefined, calm: StatementCounters | undefined): number | null {
  const t0 = perCall(calm, (c) => c.exec_ms);
  const t1 = perCall(now, (c) => c.exec_ms);
  const w0 = perCall(calm, work);
  const w1 = perCall(now, work);
  if (t0 === null || t1 === null || w0 === null || w1 === null || t0 <= 0) return null;
  const sameWork = w0 === 0 ? w1 === 0 : w1 / w0 <= SAME_WORK && w1 / w0 >= 1 / SAME_WORK;
  return t1 / t0 >= SYMPTOM_SLOWDOWN && t1 >= SYMPTOM_MIN_MS && sameWork ? t1 / t0 : null;
}

/** the calls-weighted median of the other statements' figure per call: what a usual call costs here */
function usualPerCall(
  stats: Map<string, StatementCounters>,
  except: string,
  pick: (c: StatementCounters) => number,
): number | null {
  const others = [...stats].filter(([fp, s]) => fp !== except && s.calls > 0);
  return weightedMedian(others.map(([, s]) => ({ value: pick(s) / s.calls, weight: s.calls })));
}

/** high against a floor and against the usual call: a statement of a database of lookups stands out by far */
const high = (mine: number | null, usual: number | null, floor: number) =>
  mine !== null && mine >= floor && (usual === null || mine >= HIGH_RATIO * Math.max(usual, floor / 1000));

/**
 * Its cost per call was high before the stress: its work per call (the same under any load) or its time per call
 * in the calm intervals (CPU-bound statements touch few blocks), against the usual call's. Without calm
 * intervals (a watch started in the middle of it), its time per call now, against the others' now.
 */
function costlyPerCall(c: Judged, f: WindowFigures, byFp: Map<string, ActiveStatement[]>): boolean {
  const now = f.statements?.get(c.fingerprint);
  const calm = f.calm.get(c.fingerprint);
  if (slowdown(now, calm) !== null) return false;
  if (f.statements && (now?.calls || calm?.calls)) {
    const wpc = perCall(calm, work) ?? perCall(now, work);
    const calmTime = perCall(calm, (x) => x.exec_ms);
    const time = calmTime ?? perCall(now, (x) => x.exec_ms);
    const usualTime = usualPerCall(calmTime !== null ? f.calm : f.statements, c.fingerprint, (x) => x.exec_ms);
    return high(wpc, usualPerCall(f.statements, c.fingerprint, work), HIGH_WORK) || high(time, usualTime, HIGH_MS);
  }
  // activity only: how long its calls had been running when sampled, against everyone else's
  const mine = median(c.rows.map((r) => r.running_ms));
  const rest = [...byFp].filter(([fp]) => fp !== c.fingerprint).flatMap(([, rows]) => rows.map((r) => r.running_ms));
  return high(mine, median(rest), LONG_RUNNING_MS);
}

export interface JudgeOptions {
  blockSize: number;
  /** a statement's text and label by fingerprint (from pg_stat_statements) */
  describe: (fingerprint: string) => StatementInfo | undefined;
}

export function judge(f: WindowFigures, o: JudgeOptions): Omit<ServerVerdict, 'name' | 'role'> {
  const n = f.samples.length;
  const allRows = f.samples.flatMap((s) => s.active);
  const running = n > 0 ? allRows.length / n : 0;
  const state: ServerState = running >= STRESSED_BUSY ? 'stressed' : running >= BUSY_FROM ? 'busy' : 'quiet';

  const byFp = new Map<string, ActiveStatement[]>();
  for (const r of allRows) {
    const list = byFp.get(r.fingerprint);
    if (list) list.push(r);
    else byFp.set(r.fingerprint, [r]);
  }
  const totalWork = [...(f.statements?.values() ?? [])].reduce((s, c) => s + work(c), 0);
  const fps = new Set([...byFp.keys(), ...(f.statements?.keys() ?? [])]);
  const judged: Judged[] = [...fps].map((fp) => ({
    fingerprint: fp,
    workShare: totalWork > 0 ? work(f.statements?.get(fp) ?? zero) / totalWork : 0,
    activeShare: allRows.length > 0 ? (byFp.get(fp)?.length ?? 0) / allRows.length : 0,
    rows: byFp.get(fp) ?? [],
  }));
  const score = (j: Judged) => Math.max(j.workShare, j.activeShare);
  judged.sort((a, b) => score(b) - score(a) || a.fingerprint.localeCompare(b.fingerprint));
  const top = judged[0];

  const info = (fp: string): StatementInfo => {
    const known = o.describe(fp);
    if (known) return known;
    const row = byFp.get(fp)?.[0];
    return { fingerprint: fp, label: row?.label ?? null, sql: row?.sql ?? fp };
  };

  let cause: CauseVerdict | null = null;
  if (state === 'stressed' && top && score(top) >= CAUSE_SHARE && costlyPerCall(top, f, byFp)) {
    const now = f.statements?.get(top.fingerprint);
    const byStatements = f.statements !== null && totalWork > 0 && (now?.calls ?? 0) > 0;
    const i = info(top.fingerprint);
    cause = {
      fingerprint: top.fingerprint,
      sql: i.sql,
      share_of_work: round(byStatements ? top.workShare : top.activeShare),
      work_per_call: round(perCall(now, work) ?? perCall(f.calm.get(top.fingerprint), work) ?? 0, 1),
      temp_bytes_per_s: f.span_s > 0 ? Math.round(((now?.temp_written ?? 0) * o.blockSize) / f.span_s) : 0,
      tenants: top.rows.length > 0 ? tenantShares(top.rows) : [],
      label: i.label,
      share_of_active_time: round(top.activeShare),
      measured_by: byStatements ? 'statements' : 'activity',
    };
  }

  const symptoms: SymptomVerdict[] = [];
  if (state !== 'quiet' && f.statements) {
    for (const [fp, now] of f.statements) {
      if (fp === cause?.fingerprint) continue;
      const s = slowdown(now, f.calm.get(fp));
      if (s === null) continue;
      const i = info(fp);
      symptoms.push({ fingerprint: fp, sql: i.sql, slowdown: round(s, 1), label: i.label });
    }
    symptoms.sort((a, b) => b.slowdown - a.slowdown);
  }

  const waits = new Map<string, number>();
  for (const r of allRows) waits.set(r.wait ?? 'CPU', (waits.get(r.wait ?? 'CPU') ?? 0) + 1);
  const perS = (bytes: number | null) => (bytes === null || f.span_s <= 0 ? null : Math.round(bytes / f.span_s));
  const verdict = {
    state,
    running_avg: round(running, 2),
    cause,
    symptoms: symptoms.slice(0, 5),
    waits: [...waits]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .map(([wait, k]) => ({ wait, share: round(k / allRows.length) })),
    temp_bytes_per_s: perS(f.temp_bytes),
    io_read_bytes_per_s: perS(f.io_read_bytes),
    io_write_bytes_per_s: perS(f.io_write_bytes),
  };
  const largest = top ? { name: info(top.fingerprint), share: score(top) } : null;
  return { ...verdict, next_step: nextStep(verdict, largest, o.blockSize) };
}

const zero: StatementCounters = { calls: 0, exec_ms: 0, blocks: 0, temp_blocks: 0, temp_written: 0 };
