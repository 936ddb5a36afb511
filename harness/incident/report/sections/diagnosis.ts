/** The report's Diagnosis section: which statement caused the database's load and which only suffered from it. */
import type { IncidentSummary, VariantName } from '../../types.ts';
import { statementName, type DiagnosedStatement, type VariantDiagnosis } from '../../../stats/statement-diagnosis.ts';
import { fmtInt, fmtMs, fmtNum, fmtPct } from '../../../cli/format.ts';
import type { Cell, Section, Table } from '../../../report/document.ts';
import type { SectionBuilder } from './context.ts';

/** statements shown per variant; the rest are summed in one row */
const SHOWN = 6;
const NONE = '–';

/** "a -> b": a figure at baseline and at the peak */
const pair = (a: string, b: string): Cell => ({ text: `${a} → ${b}` });
const orNone = (n: number | null, fmt: (n: number) => string | null) => (n === null ? NONE : fmt(n)!);

/** the role in a word or two; the evidence is in the verdict line above the table */
function roleCell(s: DiagnosedStatement): Cell {
  if (s.role === 'cause') return { text: 'cause', status: 'fail' };
  if (s.role === 'symptom') return { text: 'symptom: waits' };
  return { text: '' };
}

function statementsTable(variant: VariantName, d: VariantDiagnosis): Table {
  const { baseline_phase: base, peak_phase: peak } = d;
  const shown = d.statements.slice(0, SHOWN);
  const rest = d.statements.slice(SHOWN);
  const share = (s: DiagnosedStatement, phase: string) => (s.calls[phase] ? fmtPct(s.share[phase])! : NONE);
  const rows: Cell[][] = shown.map((s, i) => [
    { text: String(i + 1) },
    { text: statementName(s, 50) },
    roleCell(s),
    pair(share(s, base), share(s, peak)),
    pair(orNone(s.work_per_call.baseline, fmtInt), orNone(s.work_per_call.peak, fmtInt)),
    pair(orNone(s.ms_per_call.baseline, fmtMs), orNone(s.ms_per_call.peak, fmtMs)),
  ]);
  if (rest.length) {
    const sum = (phase: string) => fmtPct(rest.reduce((x, s) => x + (s.share[phase] ?? 0), 0))!;
    rows.push([
      { text: '' },
      { text: `${rest.length} more statements` },
      { text: '' },
      pair(sum(base), sum(peak)),
      { text: '' },
      { text: '' },
    ]);
  }
  return {
    headers: ['#', `${variant}: statement`, 'role', 'share of work', 'blocks/call', 'time/call'],
    align: ['r', 'l', 'l', 'r', 'r', 'r'],
    rows,
  };
}

/** The run's EXPLAIN next to what the same statement cost per call in the run, so the two can be compared. */
function explainAgreement(s: IncidentSummary, variant: VariantName, d: VariantDiagnosis): string | null {
  const ex = s.variants[variant]?.explain;
  const pl = d.statements.find((x) => x.label === `loadlab:product-list:${variant}`);
  if (!ex || !pl || pl.work_per_call.baseline === null) return null;
  const rank = d.statements.indexOf(pl) + 1;
  return `${variant}: the product-list statement (ranked ${rank}) touched ${fmtInt(pl.work_per_call.baseline)} blocks per call at ${d.baseline_phase} and wrote ${fmtInt(pl.temp_written_per_call.baseline)} temp blocks; the EXPLAIN below of one date: ${fmtInt(ex.buffers_touched)} buffers touched, ${fmtInt(ex.temp_blocks_written)} temp blocks written.`;
}

/** Which statement caused the database's load and which only suffered from it. */
export const diagnosisSection: SectionBuilder = (ctx) => diagnosisOf(ctx.summary, ctx.present);

function diagnosisOf(s: IncidentSummary, variants: VariantName[]): Section {
  const section: Section = {
    id: 'diagnosis',
    title: "Diagnosis: which statement did the database's work",
    paragraphs: [],
    tables: [],
  };
  const present = variants.filter((v) => s.diagnosis?.[v]);
  if (present.length === 0) {
    section.paragraphs.push(
      'This run has no per-statement figures (recorded before the diagnosis existed, or without pg_stat_statements).',
    );
    return section;
  }
  section.paragraphs.push(
    'Work is what pg_stat_statements counted each statement touched: blocks (hit or read) plus temp blocks read and written. It does not depend on how busy the server was; time per call does. ' +
      'The cause does most of the work at a cost per call that is high at baseline already; a symptom does little of it, and its time per call rose while its work per call stayed the same. ' +
      "Either is named only when the database was under stress at the peak (its statements' time added up to at least one running at every moment). " +
      'In the tables each figure reads baseline → peak; – = no call in that phase.',
  );
  for (const v of present) {
    const d = s.diagnosis![v]!;
    section.paragraphs.push(`${v}: ${d.verdict}.`);
    section.tables.push(statementsTable(v, d));
  }
  const agreement = present.map((v) => explainAgreement(s, v, s.diagnosis![v]!)).filter((x): x is string => x !== null);
  section.paragraphs.push(...agreement);
  const total = (v: VariantName) => s.diagnosis![v]!.phases.find((p) => p.name === s.diagnosis![v]!.peak_phase)?.work;
  if (present.length === 2)
    section.paragraphs.push(
      `The database's work at the peak: ${present.map((v) => `${v} ${fmtNum(total(v)) ?? NONE} blocks`).join(', ')}.`,
    );
  return section;
}
