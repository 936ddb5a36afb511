import type { GateCase } from '../files/junit.ts';
import { unexpected } from './growth.ts';
import { statementName } from './names.ts';
import { failureInWords, kindLine, statementTable, verdictLine } from './render.ts';
import type { GrowthReport } from './report-types.ts';
import { runAudit, type AuditOptions } from './run.ts';

const KINDS = [
  ['grows', 'no statement grows with the number of dates (work per call or per visitor)'],
  ['regressed', 'no statement regressed against the baseline (work per call or calls per visitor)'],
  ['new', 'no heavy statement the baseline lacks'],
] as const;

/**
 * The growth audit as gate cases, one per verdict kind, so a CI page shows which kind failed; plans that
 * changed get a case of their own that never fails (a warning a reviewer reads). The baseline cases pass
 * with a note when there was no baseline to compare with.
 */
export function scalingCases(report: GrowthReport, seconds: number): GateCase[] {
  const sizes = report.sizes.map((s) => s.name).join(' -> ');
  const bad = unexpected(report.statements);
  const table = statementTable(report.statements, report.sizes, report.baseline?.compared ?? false).join('\n');
  const cases: GateCase[] = KINDS.map(([kind, title]) => {
    const of = bad.filter((s) => s.verdict === kind);
    const skipped = kind !== 'grows' && !report.baseline?.compared;
    return {
      name: `scaling (${kind}): ${title}, ${sizes} (${report.variant})`,
      passed: of.length === 0,
      seconds: kind === 'grows' ? seconds : 0,
      message: of.length
        ? kindLine(kind, report)
        : skipped
          ? `not checked: ${report.baseline?.note ?? 'no baseline given'}`
          : kind === 'grows'
            ? verdictLine(report)
            : `none among ${report.statements.length} statements`,
      // the whole table once; the other kinds list their own statements
      details:
        kind === 'grows'
          ? table
          : of.map((s) => `${s.fingerprint} ${statementName(s, 70)}: ${failureInWords(s, report)}`).join('\n'),
    };
  });
  const changed = report.statements.filter((s) => s.plan_changes.length > 0);
  cases.push({
    name: `plans (warning only): plans that differ between sizes or from the baseline, ${sizes}`,
    passed: true,
    seconds: 0,
    message: changed.length
      ? `${changed.length} statement(s) with another plan: ${changed.map((s) => s.fingerprint).join(', ')} (see growth.md)`
      : 'every plan as at the other sizes and in the baseline',
    details: changed
      .map((s) => `${s.fingerprint} ${statementName(s, 70)}: ${s.plan_changes.length} change(s)`)
      .join('\n'),
  });
  return cases;
}

/** The gate's scaling step: the growth audit into the gate's folder (audit/), as gate cases. */
export async function auditGateStep(
  o: Omit<AuditOptions, 'log' | 'warn'>,
  log: (line: string) => void,
): Promise<GateCase[]> {
  const t0 = performance.now();
  const report = await runAudit({ ...o, log, warn: (line) => process.stderr.write(`${line}\n`) });
  return scalingCases(report, (performance.now() - t0) / 1000);
}
