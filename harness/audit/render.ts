import type { GateCase } from '../files/junit.ts';
import { shortSql } from '../stats/fingerprint.ts';
import { growthInWords, unexpected, type GrowthReport, type GrowthStatement, type SizeRef } from './growth.ts';

const int = (n: number | null) => (n === null ? '–' : Math.round(n).toLocaleString('en-US'));
const cell = (s: string) => s.replace(/\|/g, '\\|');

/** The statement as a reader recognises it: its tag when it has one, then the start of its SQL. */
export function statementName(s: Pick<GrowthStatement, 'label' | 'sql'>, max = 90): string {
  return s.label ? `${s.label}: ${shortSql(s.sql, Math.max(30, max - s.label.length - 2))}` : shortSql(s.sql, max);
}

function verdictOf(s: GrowthStatement): string {
  if (s.verdict === 'flat') return 'flat';
  return s.allowed === null ? '**GROWS**' : 'grows (allowed)';
}

/** The table both growth.md and the terminal show: every statement, worst first. */
export function statementTable(statements: GrowthStatement[], sizes: SizeRef[]): string[] {
  const head = [
    'verdict',
    'exponent',
    'growth',
    ...sizes.map((z) => `work/call ${z.name}`),
    'calls',
    'rows/call',
    'fingerprint',
    'statement',
  ];
  const rows = statements.map((s) => [
    verdictOf(s),
    s.exponent === null ? '–' : s.exponent.toFixed(2),
    growthInWords(s, sizes),
    ...s.work_per_call.map(int),
    s.calls.join(' / '),
    int(s.rows_per_call.find((r) => r !== null) ?? null),
    `\`${s.fingerprint}\``,
    cell(statementName(s)),
  ]);
  return [
    `| ${head.join(' | ')} |`,
    `| ${head.map((_, i) => (i >= 1 && i < head.length - 2 ? '---:' : '---')).join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ];
}

export function verdictLine(r: GrowthReport): string {
  const bad = unexpected(r.statements);
  if (bad.length === 0)
    return `nothing grows unexpectedly: ${r.statements.length} statements, ${r.statements.filter((s) => s.verdict === 'grows').length} growing on the allow-list`;
  return `${bad.length} statement${bad.length > 1 ? 's grow' : ' grows'} with the number of dates: ${bad.map((s) => `${statementName(s, 50)} (exponent ${s.exponent?.toFixed(2)}, ${growthInWords(s, r.sizes)})`).join('; ')}`;
}

export function renderGrowthMd(r: GrowthReport): string {
  const sizes = r.sizes.map((z) => `${z.name} (${z.dates.toLocaleString('en-US')} dates)`).join(' -> ');
  const routes = Object.keys(Object.assign({}, ...r.journey.map((j) => j.routes))).sort();
  const lines = [
    `# Growth audit: ${r.variant}, ${sizes}`,
    '',
    `**${unexpected(r.statements).length ? 'FAIL' : 'pass'}**: ${verdictLine(r)}.`,
    '',
    `Work per call = ${r.measure === 'plans' ? "rows processed by the statement's plans (auto_explain: actual rows and rows removed by filters, times loops, over every node) + " : ''}blocks touched + temp blocks (pg_stat_statements). It counts what the database did, never how long it took, so it does not depend on the machine's load or the cache. A statement **grows** when its exponent (slope of log work over log dates) is above ${r.thresholds.max_exponent} and its work per call rose by at least ${r.thresholds.min_work_increase}.`,
    ...(r.note ? ['', `Note: ${r.note}.`] : []),
    '',
    `Journey: ${r.visitors} visitors of loadtests/incident.ts (seed ${r.seed}), one after another. Requests per route at each size (failed in brackets):`,
    '',
    `| route | ${r.sizes.map((z) => z.name).join(' | ')} |`,
    `| --- | ${r.sizes.map(() => '---:').join(' | ')} |`,
    ...routes.map(
      (name) =>
        `| ${name} | ${r.journey.map((j) => (j.routes[name] ? `${j.routes[name].requests}${j.routes[name].failed ? ` (${j.routes[name].failed})` : ''}` : '0')).join(' | ')} |`,
    ),
    '',
    '## Statements, worst first',
    '',
    ...statementTable(r.statements, r.sizes),
  ];
  const stale = r.unused_allow.length
    ? ['', `Allow-list entries not seen in this journey: ${r.unused_allow.map((f) => `\`${f}\``).join(', ')}.`]
    : [];
  const allowed = r.statements.filter((s) => s.allowed !== null);
  const reasons = allowed.length
    ? ['', '## Allowed', '', ...allowed.map((s) => `- \`${s.fingerprint}\` (${s.verdict}): ${s.allowed}`)]
    : [];
  return [...lines, ...reasons, ...stale, ''].join('\n');
}

/** One JUnit test case per statement: it fails when the statement grows and the allow-list does not name it. */
export function junitCases(r: GrowthReport): GateCase[] {
  return r.statements.map((s) => ({
    name: `${s.fingerprint} ${statementName(s, 80)}`,
    passed: !(s.verdict === 'grows' && s.allowed === null),
    seconds: 0,
    message: `exponent ${s.exponent?.toFixed(2) ?? 'n/a'}: ${growthInWords(s, r.sizes)}${s.allowed ? ` (allowed: ${s.allowed})` : ''}`,
    details: `${s.sql}\nwork per call: ${r.sizes.map((z, i) => `${z.name} ${int(s.work_per_call[i])}`).join(', ')}; calls ${s.calls.join(' / ')}`,
  }));
}
