import { normaliseStatement, shortSql } from './fingerprint.ts';
import type { QueryDelta } from './types.ts';
import type { AtBaseAndPeak, DiagnosedStatement, VariantDiagnosis } from './statement-diagnosis-schema.ts';

/**
 * Which statement caused the load, and which only suffered from it. During the incident operators lost an hour
 * telling the two apart: "this operation is slow a lot" is true of both. The database's own counts separate
 * them. Work is what pg_stat_statements counts a statement touched: blocks (shared and local, hit or read)
 * plus temp blocks read and written; it does not depend on how busy the server was. Time per call does.
 * - The cause does most of the database's work, and its work per call is high at baseline already and the same
 *   at the peak: each call costs the same, there are just more of them.
 * - A symptom does little of the work and the same work per call at the peak, but its time per call rose: it
 *   waits (for CPU, for the disk, for a connection) behind the cause.
 * Both need a database under stress at the peak: on average at least one statement running at every moment
 * (the statements' time summed over the phase's length). Below that the database kept up, and slower pages
 * are the application's or the machine's doing: a healthy run has a largest statement, not a cause.
 */

/** the largest statement is the cause when it does at least this share of the database's work at the peak */
export const CAUSE_SHARE = 0.5;
/** time per call must rise at least this much for a symptom... */
export const SYMPTOM_SLOWDOWN = 2;
/** ...while work per call stays within this factor either way ("unchanged") */
export const SAME_WORK = 1.5;
/** and above this many ms at the peak, so sub-millisecond jitter is never a symptom */
export const SYMPTOM_MIN_MS = 0.5;
/** statements running on average at the peak from which the database counts as under stress */
export const STRESSED_BUSY = 1;

export interface PhaseQueries {
  name: string;
  /** how long the phase's counts ran over, ms (null when unknown) */
  duration_ms: number | null;
  /** each statement's increase over the phase by queryid; null without pg_stat_statements */
  queries: Record<string, QueryDelta> | null;
}

export type { AtBaseAndPeak, DiagnosedStatement, VariantDiagnosis } from './statement-diagnosis-schema.ts';

interface Totals {
  calls: number;
  work: number;
  tempWritten: number;
  ms: number;
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;
const int = (n: number) => Math.round(n).toLocaleString('en-US');
const pct = (share: number) =>
  `${share >= 0.995 ? (share * 100).toFixed(0) : (share * 100).toFixed(share < 0.1 ? 1 : 0)} %`;
const ms = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));

/** The phase's statements summed by fingerprint (one statement can have several queryids). */
function byStatement(q: Record<string, QueryDelta> | null, texts: Map<string, string>): Map<string, Totals> {
  const out = new Map<string, Totals>();
  for (const [id, d] of Object.entries(q ?? {})) {
    const fp = normaliseStatement(texts.get(id) ?? `queryid ${id}`).fingerprint;
    const t = out.get(fp) ?? { calls: 0, work: 0, tempWritten: 0, ms: 0 };
    t.calls += d.calls;
    t.work += d.blocks + d.temp_blocks;
    t.tempWritten += d.temp_written ?? 0;
    t.ms += d.exec_ms;
    out.set(fp, t);
  }
  return out;
}

const perCall = (t: Totals | undefined, pick: (t: Totals) => number, digits: number) =>
  t && t.calls > 0 ? round(pick(t) / t.calls, digits) : null;

/** A statement's name for a person: its tag, else the start of its SQL. */
export function statementName(s: Pick<DiagnosedStatement, 'label' | 'sql'>, max = 60): string {
  return s.label ?? shortSql(s.sql, max);
}

export function diagnose(
  phases: PhaseQueries[],
  texts: Map<string, string>,
  baseline = 'baseline',
  peak = 'tripled',
): VariantDiagnosis {
  const sums = new Map(phases.map((p) => [p.name, byStatement(p.queries, texts)]));
  const phaseWork = new Map(
    phases.map((p) => [p.name, [...sums.get(p.name)!.values()].reduce((s, t) => s + t.work, 0)]),
  );
  const textOf = new Map<string, string>();
  for (const text of texts.values()) {
    const fp = normaliseStatement(text).fingerprint;
    if (!textOf.has(fp)) textOf.set(fp, text);
  }

  const fingerprints = new Set(phases.flatMap((p) => [...sums.get(p.name)!.keys()]));
  const statements = [...fingerprints].map((fp): DiagnosedStatement => {
    const at = (phase: string) => sums.get(phase)?.get(fp);
    const text = textOf.get(fp) ?? '';
    const share: Record<string, number> = {};
    const calls: Record<string, number> = {};
    for (const p of phases) {
      const t = at(p.name);
      calls[p.name] = t?.calls ?? 0;
      share[p.name] = phaseWork.get(p.name)! > 0 ? round((t?.work ?? 0) / phaseWork.get(p.name)!, 4) : 0;
    }
    const both = (pick: (t: Totals) => number, digits: number): AtBaseAndPeak => ({
      baseline: perCall(at(baseline), pick, digits),
      peak: perCall(at(peak), pick, digits),
    });
    return {
      fingerprint: fp,
      label: normaliseStatement(text).label,
      sql: shortSql(text, 200),
      share,
      calls,
      work_per_call: both((t) => t.work, 1),
      temp_written_per_call: both((t) => t.tempWritten, 1),
      ms_per_call: both((t) => t.ms, 3),
      role: null,
      why: null,
    };
  });
  statements.sort(
    (a, b) =>
      (b.share[peak] ?? 0) - (a.share[peak] ?? 0) ||
      (b.share[baseline] ?? 0) - (a.share[baseline] ?? 0) ||
      a.fingerprint.localeCompare(b.fingerprint),
  );
  const busy = (p: PhaseQueries) =>
    p.duration_ms ? round([...sums.get(p.name)!.values()].reduce((x, t) => x + t.ms, 0) / p.duration_ms, 2) : null;
  const phaseFacts = phases.map((p) => ({
    name: p.name,
    work: phaseWork.get(p.name)!,
    statements: sums.get(p.name)!.size,
    busy: busy(p),
  }));
  const verdict = assignRoles(statements, baseline, peak, phaseFacts.find((p) => p.name === peak)?.busy ?? null);
  return {
    baseline_phase: baseline,
    peak_phase: peak,
    phases: phaseFacts,
    statements,
    verdict,
  };
}

const ratio = (x: AtBaseAndPeak) =>
  x.baseline !== null && x.peak !== null && x.baseline > 0 ? x.peak / x.baseline : null;
const unchanged = (r: number | null) => r !== null && r <= SAME_WORK && r >= 1 / SAME_WORK;

/** Marks the cause and the symptoms (see the module comment) and returns the one-line verdict. */
function assignRoles(statements: DiagnosedStatement[], _baseline: string, peak: string, busy: number | null): string {
  const top = statements[0];
  if (!top) return 'no statement statistics for this run (pg_stat_statements unavailable)';
  // a database that kept up has no cause to name, only a largest statement
  if (busy === null || busy < STRESSED_BUSY) {
    const load = busy === null ? '' : ` (${busy.toFixed(2)} statements running on average at the peak)`;
    return `the database kept up${load}; the largest share of its work: ${statementName(top)} (${pct(top.share[peak] ?? 0)})`;
  }
  const slowed = statements.filter((s) => {
    const slower = ratio(s.ms_per_call);
    return slower !== null && slower >= SYMPTOM_SLOWDOWN && (s.ms_per_call.peak ?? 0) >= SYMPTOM_MIN_MS;
  });

  const cause = (top.share[peak] ?? 0) >= CAUSE_SHARE && top.work_per_call.baseline !== null ? top : undefined;
  if (cause) {
    const temp = cause.temp_written_per_call.baseline ?? 0;
    const perCallText =
      temp > 0 ? `${int(temp)} temp blocks written per call` : `${int(cause.work_per_call.baseline!)} blocks per call`;
    const r = ratio(cause.work_per_call);
    const load = unchanged(r) ? 'at baseline already' : `at baseline, x${r?.toFixed(1)} per call at the peak`;
    cause.role = 'cause';
    cause.why = `${pct(cause.share[peak])} of the database's work, ${perCallText} ${load}`;
  }
  const symptoms = slowed.filter((s) => s !== cause && unchanged(ratio(s.work_per_call)));
  for (const s of symptoms) {
    s.role = 'symptom';
    s.why = `time per call x${ratio(s.ms_per_call)!.toFixed(1)} (${ms(s.ms_per_call.baseline!)} -> ${ms(s.ms_per_call.peak!)} ms) with the same work per call (${int(s.work_per_call.peak!)} blocks): ${cause ? 'waits behind the cause' : 'waits for the server'}`;
  }
  const symptomText = symptoms.length ? `; symptoms: ${symptoms.map((s) => statementName(s, 40)).join(', ')}` : '';
  const load = `${busy.toFixed(1)} statements running on average at the peak`;
  if (cause) return `cause: ${statementName(cause)} (${cause.why}; ${load})${symptomText}`;
  return `no single cause: the largest statement, ${statementName(top)}, did ${pct(top.share[peak] ?? 0)} of the database's work at the peak (${load})${symptomText}`;
}
