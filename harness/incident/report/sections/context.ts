/**
 * What every section of the incident report is built from: the run's summary, the variants it holds, and
 * cells whose "n/a" always carries a footnote saying why. A section is one function of this context.
 */
import type { IncidentSummary, PhaseName, VariantName, VariantResult } from '../../types.ts';
import type { Cell, Section, Table } from '../../../report/document.ts';
import { div, fmtRatio, isNum } from '../../../cli/format.ts';
import { factsTable, Footnotes, L, R } from '../../../report/cells.ts';

export const VARIANTS: VariantName[] = ['before', 'after'];
export const PHASES: PhaseName[] = ['baseline', 'ramp', 'tripled'];
export { L, R };

/** Why a figure is "n/a"; the same reason always gets the same footnote. */
export const REASON = {
  pgss: "pg_stat_statements was not available (extension not loaded), so the product-list query's own calls, time and buffers were not collected.",
  pgStatDb: 'pg_stat_database counters were not collected for this run.',
  osIo: "the database server's OS I/O counters (/proc/PID/io) were not readable, e.g. with an external database or a server run by another user.",
  cpu: "the database server's CPU time was not readable, e.g. with an external database.",
  noDbPhase: 'no DB statistics sample covered this phase.',
  noCalls: 'no product-list query calls were recorded, so per-call figures cannot be computed.',
  ratio: 'the ratio needs both variants with a non-zero product-list p95 in that phase.',
  noEndpoint: 'this endpoint had no requests in the phase.',
  noThreshold: "this threshold was not defined for this variant's run.",
  notRun: 'this variant was not run.',
  missing: 'the run did not record this figure.',
} as const;

export function presentVariants(summary: IncidentSummary): VariantName[] {
  return VARIANTS.filter((v) => summary.variants[v] !== undefined);
}

export function phasesOf(v: VariantResult): PhaseName[] {
  return PHASES.filter((p) => v.phases[p] !== undefined);
}

export class SectionContext {
  readonly present: VariantName[];
  readonly notes = new Footnotes();

  constructor(readonly summary: IncidentSummary) {
    this.present = presentVariants(summary);
  }

  /** the footnotes in the order the sections first used them */
  get footnotes(): string[] {
    return this.notes.list;
  }

  /** the variant's results; only call it for a variant in `present` */
  variant(name: VariantName): VariantResult {
    return this.summary.variants[name]!;
  }

  /** a figure, or "n/a" with the footnote that explains it */
  cell(text: string | null, reason: string): Cell {
    return this.notes.cell(text, reason);
  }

  txt(text: string): Cell {
    return { text };
  }

  /** a two-column table of labelled facts (run, calibration, machine) */
  facts(rows: [string, Cell][]): Table {
    return factsTable(rows);
  }

  /** before / after; a zero after figure (the fix writes no temp files) is a result, not a missing value */
  ratioCell(b: number | null, a: number | null): Cell {
    if (isNum(b) && isNum(a) && a === 0) return this.txt(b === 0 ? 'equal (both 0)' : 'after is 0');
    return this.cell(fmtRatio(div(b, a)), "a before/after ratio needs both variants' figures.");
  }
}

/** One section of the report; null leaves it out (e.g. nothing to say for this run). */
export type SectionBuilder = (ctx: SectionContext) => Section | null;
