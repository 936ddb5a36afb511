/**
 * The cells every report model is built from: plain text, "n/a" that always carries a footnote saying why, facts
 * tables, the runner's exit code, and the thresholds table of one or more load runs. One place, so the incident,
 * the incident day, the partition and the capacity reports say the same thing the same way.
 */
import type { Cell, Table } from './document.ts';

export const L = 'l' as const;
export const R = 'r' as const;

export const txt = (text: string): Cell => ({ text });

/** Numbers the footnotes by first use and gives the same reason the same number. */
export class Footnotes {
  readonly list: string[] = [];

  ref(reason: string): number {
    const i = this.list.indexOf(reason);
    if (i >= 0) return i + 1;
    this.list.push(reason);
    return this.list.length;
  }

  /** a figure, or "n/a" with the footnote that explains it */
  cell(text: string | null, reason: string): Cell {
    return text === null ? { text: 'n/a', note: this.ref(reason) } : { text };
  }
}

/** a two-column table of labelled facts (run, calibration, machine) */
export function factsTable(rows: [string, Cell | string][]): Table {
  return {
    headers: ['', ''],
    align: [L, L],
    rows: rows.map(([label, value]) => [txt(label), typeof value === 'string' ? txt(value) : value]),
  };
}

/** the runner's exit code as k6 means it: 0 passed, 99 a threshold failed */
export function runnerExitCell(code: number): Cell {
  return { text: code === 99 ? '99 (thresholds failed)' : String(code), status: code === 0 ? 'pass' : 'fail' };
}

export interface LoadRunColumn {
  name: string;
  /** each threshold as the runner judged it; absent when the run recorded none */
  thresholds: Record<string, { ok: boolean }> | undefined;
  runnerExitCode: number;
}

/** Each threshold of the runs side by side, then each run's exit code; a threshold a run lacks is "n/a" with why. */
export function thresholdsTable(columns: LoadRunColumn[], notes: Footnotes): Table {
  const names = [...new Set(columns.flatMap((c) => Object.keys(c.thresholds ?? {})))].sort();
  const rows: Cell[][] = names.map((t) => [
    txt(t),
    ...columns.map((c): Cell => {
      const r = c.thresholds?.[t];
      return r
        ? { text: r.ok ? 'pass' : 'fail', status: r.ok ? 'pass' : 'fail' }
        : notes.cell(null, 'this threshold was not defined for this run.');
    }),
  ]);
  rows.push([txt('Runner exit code'), ...columns.map((c) => runnerExitCell(c.runnerExitCode))]);
  return { headers: ['Threshold', ...columns.map((c) => c.name)], align: [L, ...columns.map(() => R)], rows };
}
