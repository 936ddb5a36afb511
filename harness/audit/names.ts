import { shortSql } from '../stats/fingerprint.ts';
import type { GrowthStatement } from './report-types.ts';

/** a count as growth.md prints it: whole, with thousands separators; – for none */
export const int = (n: number | null) => (n === null ? '–' : Math.round(n).toLocaleString('en-US'));

/** The statement as a reader recognises it: its tag when it has one, then the start of its SQL. */
export function statementName(s: Pick<GrowthStatement, 'label' | 'sql'>, max = 90): string {
  return s.label ? `${s.label}: ${shortSql(s.sql, Math.max(30, max - s.label.length - 2))}` : shortSql(s.sql, max);
}
