import type { AllowList } from './allow-list.ts';
import type { MeasuredStatement } from './capture.ts';
import type { SamplePlayed } from './play.ts';

export const GROWTH_SCHEMA = 'loadlab.growth/v1' as const;

export interface SizeRef {
  name: string;
  dates: number;
}

/** Per size, in the order of `sizes`; null where the statement did not run at that size. */
export interface GrowthStatement {
  fingerprint: string;
  sql: string;
  /** the statement's first comment, when it carries a tag */
  label: string | null;
  calls: number[];
  work_per_call: (number | null)[];
  /** rows the statement returned per call (pg_stat_statements) */
  rows_per_call: (number | null)[];
  /** the parts of the work: rows its plans processed (null without plans), blocks touched, temp blocks */
  plan_rows_per_call: (number | null)[];
  blocks_per_call: (number | null)[];
  temp_blocks_per_call: (number | null)[];
  /** time per call, for orientation only: it moves with the machine's load, the verdict never reads it */
  ms_per_call: (number | null)[];
  /** slope of log(work per call) over log(dates): 1 = linear in the dates, 0 = flat; null if it ran at one size only */
  exponent: number | null;
  verdict: 'flat' | 'grows';
  allowed: string | null;
}

/** growth.json (contract `loadlab.growth/v1`): per-size arrays are in the order of `sizes`. */
export interface GrowthReport {
  schema: typeof GROWTH_SCHEMA;
  variant: string;
  sizes: SizeRef[];
  seed: number;
  visitors: number;
  /** 'plans': work counts auto_explain's rows; 'statements': pg_stat_statements' blocks alone (see `note`) */
  measure: 'plans' | 'statements';
  note: string | null;
  thresholds: { max_exponent: number; min_work_increase: number };
  /** what the journey did at each size */
  journey: SamplePlayed[];
  statements: GrowthStatement[];
  /** allow-list fingerprints no statement of this journey had */
  unused_allow: string[];
}

export interface GrowthThresholds {
  /** a statement grows when its exponent is above this... */
  maxExponent: number;
  /** ...and its work per call rose by at least this much from the smallest size to the largest */
  minWorkIncrease: number;
}

/**
 * Default thresholds. A statement that scans the series has an exponent near 1 (the product list before the
 * fix: 1.0); one that does not stays near 0 (after the fix: 0.02). 0.5 sits in the middle, far from both.
 * The floor keeps a statement of a handful of rows from "growing" when an index gains a level: one more
 * block per index descent is +50 % on a 2-block lookup.
 */
export const DEFAULT_THRESHOLDS: GrowthThresholds = { maxExponent: 0.5, minWorkIncrease: 50 };

const perCall = (total: number | null, calls: number) =>
  total === null || calls === 0 ? null : Math.round((total / calls) * 10) / 10;

/**
 * Work per call: the rows the plans processed plus the blocks touched and the temp blocks spilled. Rows make
 * small sizes honest (a lookup of one row touches as many index pages as a scan of a hundred rows on the same
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
  return Math.round(slope * 1000) / 1000;
}

/** One row per statement seen at any size, worst first: unexpected growth, then allowed growth, then by exponent. */
export function growthStatements(
  sizes: SizeRef[],
  measured: MeasuredStatement[][],
  allow: AllowList,
  t: GrowthThresholds,
): GrowthStatement[] {
  const withPlans = measured.every((ms) => ms.every((m) => m.plans !== null));
  const fingerprints = [...new Set(measured.flatMap((ms) => ms.map((m) => m.fingerprint)))];
  const rows = fingerprints.map((fp): GrowthStatement => {
    const at = measured.map((ms) => ms.find((m) => m.fingerprint === fp));
    const first = at.find(Boolean)!;
    const calls = at.map((m) => m?.calls ?? 0);
    const work = at.map((m) => (m ? perCall(workOf(m, withPlans), m.calls) : null));
    const exponent = growthExponent(
      sizes.map((s) => s.dates),
      work,
    );
    const ran = work.filter((w): w is number => w !== null);
    const increase = ran.length >= 2 ? ran.at(-1)! - ran[0] : 0;
    const grows = exponent !== null && exponent > t.maxExponent && increase >= t.minWorkIncrease;
    return {
      fingerprint: fp,
      sql: first.query,
      label: at.find((m) => m?.label)?.label ?? null,
      calls,
      work_per_call: work,
      rows_per_call: at.map((m) => (m ? perCall(m.rows, m.calls) : null)),
      plan_rows_per_call: at.map((m) => (m && withPlans && m.plans ? perCall(m.plan_rows, m.plans) : null)),
      blocks_per_call: at.map((m) => (m ? perCall(m.blocks, m.calls) : null)),
      temp_blocks_per_call: at.map((m) => (m ? perCall(m.temp_blocks, m.calls) : null)),
      ms_per_call: at.map((m) => (m ? Math.round((m.exec_ms / m.calls) * 1000) / 1000 : null)),
      exponent,
      verdict: grows ? 'grows' : 'flat',
      allowed: allow.get(fp) ?? null,
    };
  });
  const rank = (s: GrowthStatement) => (s.verdict === 'grows' ? (s.allowed === null ? 0 : 1) : 2);
  return rows.sort(
    (a, b) =>
      rank(a) - rank(b) ||
      (b.exponent ?? -Infinity) - (a.exponent ?? -Infinity) ||
      a.fingerprint.localeCompare(b.fingerprint),
  );
}

/** Statements that grow and that the allow-list does not name: what fails the audit. */
export const unexpected = (statements: GrowthStatement[]) =>
  statements.filter((s) => s.verdict === 'grows' && s.allowed === null);

/** "work x9.8 for x10 dates", between the smallest and the largest size the statement ran at */
export function growthInWords(s: GrowthStatement, sizes: SizeRef[]): string {
  const idx = s.work_per_call.map((w, i) => (w === null ? -1 : i)).filter((i) => i >= 0);
  if (idx.length < 2) return `ran at ${idx.length === 1 ? sizes[idx[0]].name : 'no size'} only`;
  const [a, b] = [idx[0], idx.at(-1)!];
  const ratio = Math.max(1, s.work_per_call[b]!) / Math.max(1, s.work_per_call[a]!);
  const fmt = (x: number) => (x >= 10 ? x.toFixed(0) : x.toFixed(1).replace(/\.0$/, ''));
  return `work x${fmt(ratio)} for x${fmt(sizes[b].dates / sizes[a].dates)} dates`;
}
