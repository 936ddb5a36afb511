import type { AllowList } from './allow-list.ts';
import type { Baseline, BaselineStatement } from './baseline.ts';
import type { MeasuredStatement } from './capture.ts';
import type { SamplePlayed } from './play.ts';
import { planChanges, planCounts } from './plans.ts';
import type { GrowthStatement, GrowthThresholds, Reason, SizeRef, Verdict } from './report-types.ts';

export {
  DEFAULT_THRESHOLDS,
  GROWTH_SCHEMA,
  type GrowthReport,
  type GrowthStatement,
  type GrowthThresholds,
  type SizeRef,
} from './report-types.ts';

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

const perCall = (total: number | null, calls: number) =>
  total === null || calls === 0 ? null : round(total / calls, 1);

/**
 * Work: the rows the plans processed plus the blocks touched and the temp blocks spilled. Rows make small
 * sizes honest (a lookup of one row touches as many index pages as a scan of a hundred rows on the same
 * page); blocks and temp blocks add what rows do not show: wide rows, sorts and hashes on disk. Without
 * plans (an external server), blocks and temp blocks alone.
 */
function workOf(m: MeasuredStatement, withPlans: boolean): number {
  const planRows = withPlans && m.plans ? (m.plan_rows ?? 0) * (m.calls / m.plans) : 0;
  return planRows + m.blocks + m.temp_blocks;
}

/** Least-squares slope of log(work) over log(dates), over the sizes where the statement ran. */
export function growthExponent(dates: number[], work: (number | null)[]): number | null {
  const pts = dates
    .map((d, i) => [Math.log(d), Math.log(Math.max(1, work[i] ?? NaN))] as const)
    .filter(([, y]) => Number.isFinite(y));
  if (pts.length < 2) return null;
  const mx = pts.reduce((s, [x]) => s + x, 0) / pts.length;
  const my = pts.reduce((s, [, y]) => s + y, 0) / pts.length;
  const sxx = pts.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  if (sxx === 0) return null;
  const slope = pts.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0) / sxx;
  return round(slope, 3);
}

/** Above the exponent, and up by at least the floor between the first and the last size it has a figure at. */
function grew(exponent: number | null, series: (number | null)[], t: GrowthThresholds): boolean {
  const ran = series.filter((w): w is number => w !== null);
  const increase = ran.length >= 2 ? ran.at(-1)! - ran[0] : 0;
  return exponent !== null && exponent > t.maxExponent && increase >= t.minWorkIncrease;
}

/** The first thing that rose against the baseline at some size, past the fraction and the floor; null if none. */
export function regression(
  s: Pick<GrowthStatement, 'work_per_call' | 'calls_per_visitor'>,
  b: Pick<BaselineStatement, 'work_per_call' | 'calls_per_visitor'>,
  t: GrowthThresholds,
): Reason | null {
  const above = (now: number, then: number) => now > then * (1 + t.maxRegression);
  for (let i = 0; i < s.work_per_call.length; i++) {
    const [w, bw] = [s.work_per_call[i], b.work_per_call[i]];
    if (w !== null && bw !== null && above(w, bw) && w - bw >= t.minWorkIncrease) return 'work-per-call';
  }
  for (let i = 0; i < s.calls_per_visitor.length; i++) {
    const [c, bc] = [s.calls_per_visitor[i], b.calls_per_visitor[i]];
    // the calls' extra work per visitor must clear the floor: one more BEGIN per visitor is not a regression
    const extraWork = (c - bc) * (s.work_per_call[i] ?? 0);
    if (above(c, bc) && extraWork >= t.minWorkIncrease) return 'calls-per-visitor';
  }
  return null;
}

export interface GrowthInput {
  sizes: SizeRef[];
  /** per size, what the audit measured */
  measured: MeasuredStatement[][];
  /** visitors the journey played at each size (the same at every size) */
  visitors: number;
  allow: AllowList;
  thresholds: GrowthThresholds;
  /** the baseline to compare with; null when there is none or it does not match this audit */
  baseline: Baseline | null;
}

const rank: Record<Verdict, number> = { grows: 0, regressed: 1, new: 2, flat: 3 };

/** One row per statement seen at any size, worst first: what fails, then what is allowed, then by exponent. */
export function growthStatements(g: GrowthInput): GrowthStatement[] {
  const withPlans = g.measured.every((ms) => ms.every((m) => m.plans !== null));
  const fingerprints = [...new Set(g.measured.flatMap((ms) => ms.map((m) => m.fingerprint)))];
  const inBaseline = new Map(g.baseline?.statements.map((b) => [b.fingerprint, b]));
  const dates = g.sizes.map((s) => s.dates);
  const rows = fingerprints.map((fp): GrowthStatement => {
    const at = g.measured.map((ms) => ms.find((m) => m.fingerprint === fp));
    const first = at.find(Boolean)!;
    const work = at.map((m) => (m ? perCall(workOf(m, withPlans), m.calls) : null));
    const workPerVisitor = at.map((m) => (m ? round(workOf(m, withPlans) / g.visitors, 1) : 0));
    const callsPerVisitor = at.map((m) => round((m?.calls ?? 0) / g.visitors, 3));
    const exponent = growthExponent(dates, work);
    const visitorExponent = growthExponent(dates, workPerVisitor);
    const plans = at.map(planCounts);
    const base = inBaseline.get(fp) ?? null;
    const s: GrowthStatement = {
      fingerprint: fp,
      sql: first.query,
      label: at.find((m) => m?.label)?.label ?? null,
      calls: at.map((m) => m?.calls ?? 0),
      work_per_call: work,
      rows_per_call: at.map((m) => (m ? perCall(m.rows, m.calls) : null)),
      plan_rows_per_call: at.map((m) => (m && withPlans && m.plans ? perCall(m.plan_rows, m.plans) : null)),
      blocks_per_call: at.map((m) => (m ? perCall(m.blocks, m.calls) : null)),
      temp_blocks_per_call: at.map((m) => (m ? perCall(m.temp_blocks, m.calls) : null)),
      ms_per_call: at.map((m) => (m ? round(m.exec_ms / m.calls, 3) : null)),
      exponent,
      calls_per_visitor: callsPerVisitor,
      work_per_visitor: workPerVisitor,
      visitor_exponent: visitorExponent,
      reason: null,
      baseline_work_per_call: base?.work_per_call ?? null,
      baseline_calls_per_visitor: base?.calls_per_visitor ?? null,
      plans,
      plan_changes: planChanges(g.sizes, plans, base?.plans ?? null),
      verdict: 'flat',
      allowed: g.allow.get(fp) ?? null,
    };
    judge(s, g, base);
    return s;
  });
  const order = (s: GrowthStatement) => (s.verdict === 'flat' ? 4 : s.allowed === null ? rank[s.verdict] : 3);
  return rows.sort(
    (a, b) =>
      order(a) - order(b) ||
      (b.exponent ?? -Infinity) - (a.exponent ?? -Infinity) ||
      a.fingerprint.localeCompare(b.fingerprint),
  );
}

/** grows, else regressed, else new, else flat: the first is what a reader must fix first. */
function judge(s: GrowthStatement, g: GrowthInput, base: BaselineStatement | null): void {
  const t = g.thresholds;
  if (grew(s.exponent, s.work_per_call, t)) Object.assign(s, { verdict: 'grows', reason: 'work-per-call' });
  else if (grew(s.visitor_exponent, s.work_per_visitor, t))
    Object.assign(s, { verdict: 'grows', reason: 'calls-per-visitor' });
  else if (base) {
    const reason = regression(s, base, t);
    if (reason) Object.assign(s, { verdict: 'regressed', reason });
  } else if (g.baseline && Math.max(...s.work_per_visitor) >= t.minNewWork) s.verdict = 'new';
}

/** Statements that fail the audit: they grow, regressed or are new and heavy, and the allow-list does not name them. */
export const unexpected = (statements: GrowthStatement[]) =>
  statements.filter((s) => s.verdict !== 'flat' && s.allowed === null);

const fmt = (x: number) => (x >= 10 ? x.toFixed(0) : x.toFixed(1).replace(/\.0$/, ''));

/** "work x9.8 for x10 dates", between the smallest and the largest size the statement ran at */
export function growthInWords(s: GrowthStatement, sizes: SizeRef[]): string {
  const idx = s.work_per_call.map((w, i) => (w === null ? -1 : i)).filter((i) => i >= 0);
  if (idx.length < 2) return `ran at ${idx.length === 1 ? sizes[idx[0]].name : 'no size'} only`;
  const [a, b] = [idx[0], idx.at(-1)!];
  const ratio = Math.max(1, s.work_per_call[b]!) / Math.max(1, s.work_per_call[a]!);
  return `work x${fmt(ratio)} for x${fmt(sizes[b].dates / sizes[a].dates)} dates`;
}

/**
 * The route whose requests make the loop: the calls the journey added per added date are a whole number k of
 * calls per request of that route (k = 1: one call per date, the N+1's signature). Null when no route fits.
 */
function loopRoute(s: GrowthStatement, sizes: SizeRef[], journey: SamplePlayed[]): { name: string; k: number } | null {
  const [a, b] = [0, sizes.length - 1];
  const perDate = (s.calls[b] - s.calls[a]) / (sizes[b].dates - sizes[a].dates);
  const fits = Object.entries(journey[a]?.routes ?? {})
    .map(([name, r]) => ({ name, k: perDate / r.requests, same: journey[b]?.routes[name]?.requests === r.requests }))
    .filter((r) => r.same && r.k >= 0.95 && Math.abs(r.k - Math.round(r.k)) < 0.05 * r.k)
    .sort((x, y) => x.k - y.k);
  return fits[0] ? { name: fits[0].name, k: Math.round(fits[0].k) } : null;
}

/**
 * The loop in words, between the smallest and the largest size: "called 300 -> 3,000 times per checkout
 * request (45 -> 450 per visitor): one call per date" when a route's requests account for the added calls;
 * otherwise per visitor, with the calls added per added date ("0.15 calls per date", "one call per 10 dates").
 */
export function loopInWords(s: GrowthStatement, sizes: SizeRef[], journey: SamplePlayed[] = []): string {
  const [a, b] = [0, sizes.length - 1];
  const [ca, cb] = [s.calls_per_visitor[a], s.calls_per_visitor[b]];
  const n = (x: number) => x.toLocaleString('en-US', { maximumFractionDigits: x >= 10 ? 0 : 2 });
  const route = loopRoute(s, sizes, journey);
  if (route) {
    const req = (i: number) => s.calls[i] / journey[i].routes[route.name].requests;
    return `called ${n(req(a))} -> ${n(req(b))} times per ${route.name} request (${n(ca)} -> ${n(cb)} per visitor): ${route.k === 1 ? 'one call' : `${route.k} calls`} per date`;
  }
  const perDate = (cb - ca) / (sizes[b].dates - sizes[a].dates);
  const rate =
    perDate <= 0
      ? 'not more with the dates'
      : perDate >= 0.95
        ? `${n(Math.round(perDate * 10) / 10).replace(/^1$/, 'one')} call${perDate >= 1.05 ? 's' : ''} per date`
        : perDate > 0.15
          ? `${n(Math.round(perDate * 100) / 100)} calls per date`
          : `one call per ${n(Math.round(1 / perDate))} dates`;
  return `called ${n(ca)} -> ${n(cb)} times per visitor: ${rate}`;
}
