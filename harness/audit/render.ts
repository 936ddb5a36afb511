import type { GateCase } from '../files/junit.ts';
import { growthInWords, loopInWords, unexpected } from './growth.ts';
import { int, statementName } from './names.ts';
import { baselineSection, planSection } from './render-sections.ts';
import type { GrowthReport, GrowthStatement, SizeRef, Verdict } from './report-types.ts';

const num = (n: number) => n.toLocaleString('en-US', { maximumFractionDigits: n >= 10 ? 0 : 2 });
const cell = (s: string) => s.replace(/\|/g, '\\|');

export { statementName };

function verdictOf(s: GrowthStatement): string {
  if (s.verdict === 'flat') return 'flat';
  const reason = s.reason ? ` (${s.reason})` : '';
  return s.allowed === null
    ? `**${s.verdict.toUpperCase()}**${reason}`
    : `${s.verdict} (allowed${s.reason ? `, ${s.reason}` : ''})`;
}

/** The largest relative change of one figure against the baseline over the sizes: "+222 %", "same". */
function change(now: (number | null)[], then: (number | null)[]): string {
  let worst = 0;
  now.forEach((x, i) => {
    const b = then[i];
    if (x === null || b === null) return;
    const rel = b === 0 ? (x === 0 ? 0 : Infinity) : (x - b) / b;
    if (Math.abs(rel) > Math.abs(worst)) worst = rel;
  });
  if (worst === 0) return 'same';
  if (!Number.isFinite(worst)) return 'from 0';
  return `${worst > 0 ? '+' : ''}${Math.round(worst * 100)} %`;
}

/** What the baseline says of a statement, in a table cell. */
function vsBaseline(s: GrowthStatement, compared: boolean): string {
  if (!compared) return '–';
  if (!s.baseline_work_per_call || !s.baseline_calls_per_visitor) return 'not in baseline';
  const w = change(s.work_per_call, s.baseline_work_per_call);
  const c = change(s.calls_per_visitor, s.baseline_calls_per_visitor);
  return w === 'same' && c === 'same' ? 'same' : `work/call ${w}, calls/visitor ${c}`;
}

/** The table both growth.md and the terminal show: every statement, worst first. */
export function statementTable(statements: GrowthStatement[], sizes: SizeRef[], compared = false): string[] {
  const head = [
    'verdict',
    'exponent',
    'growth',
    ...sizes.map((z) => `work/call ${z.name}`),
    'calls/visitor',
    'work/visitor (exponent)',
    'vs baseline',
    'rows/call',
    'fingerprint',
    'statement',
  ];
  const rows = statements.map((s) => [
    verdictOf(s),
    s.exponent === null ? '–' : s.exponent.toFixed(2),
    growthInWords(s, sizes),
    ...s.work_per_call.map(int),
    s.calls_per_visitor.map(num).join(' / '),
    `${s.work_per_visitor.map(int).join(' / ')} (${s.visitor_exponent === null ? '–' : s.visitor_exponent.toFixed(2)})`,
    vsBaseline(s, compared),
    int(s.rows_per_call.find((r) => r !== null) ?? null),
    `\`${s.fingerprint}\``,
    cell(statementName(s)),
  ]);
  const right = (i: number) => i >= 1 && i < head.length - 2 && head[i] !== 'vs baseline' && head[i] !== 'growth';
  return [
    `| ${head.join(' | ')} |`,
    `| ${head.map((_, i) => (right(i) ? '---:' : '---')).join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ];
}

/** One failing statement in a few words: what rose and by how much. */
export function failureInWords(s: GrowthStatement, r: Pick<GrowthReport, 'sizes' | 'journey'>): string {
  const sizes = r.sizes;
  if (s.verdict === 'grows')
    return s.reason === 'calls-per-visitor'
      ? `work per visitor exponent ${s.visitor_exponent?.toFixed(2)}, ${loopInWords(s, sizes, r.journey)}`
      : `exponent ${s.exponent?.toFixed(2)}, ${growthInWords(s, sizes)}`;
  if (s.verdict === 'regressed') {
    const [now, then] =
      s.reason === 'work-per-call'
        ? [s.work_per_call, s.baseline_work_per_call!]
        : [s.calls_per_visitor, s.baseline_calls_per_visitor!];
    const what = s.reason === 'work-per-call' ? 'work per call' : 'calls per visitor';
    return `${what} ${sizes.map((z, i) => `${z.name} ${num(then[i] ?? 0)} -> ${num(now[i] ?? 0)}`).join(', ')} against the baseline`;
  }
  if (s.verdict === 'new') return `not in the baseline, ${int(Math.max(...s.work_per_visitor))} work per visitor`;
  return 'flat';
}

const KINDS = ['grows', 'regressed', 'new'] as const satisfies Verdict[];
const VERBS = { grows: ['grows', 'grow'], regressed: ['regressed', 'regressed'], new: ['is new', 'are new'] };

/** The failing statements of one verdict kind in one line: "2 statements regressed: ... (...); ... (...)". */
export function kindLine(
  kind: (typeof KINDS)[number],
  r: Pick<GrowthReport, 'statements' | 'sizes' | 'journey'>,
): string {
  const of = unexpected(r.statements).filter((s) => s.verdict === kind);
  if (of.length === 0) return '';
  const verb = VERBS[kind];
  const head = `${of.length} statement${of.length > 1 ? 's' : ''} ${verb[of.length > 1 ? 1 : 0]}${kind === 'grows' ? ' with the number of dates' : ''}`;
  return `${head}: ${of.map((s) => `${statementName(s, 50)} (${failureInWords(s, r)})`).join('; ')}`;
}

export function verdictLine(r: GrowthReport): string {
  if (unexpected(r.statements).length === 0) {
    const allowed = r.statements.filter((s) => s.verdict !== 'flat').length;
    return `nothing grows, regressed or is new unexpectedly: ${r.statements.length} statements, ${allowed} on the allow-list`;
  }
  return KINDS.map((k) => kindLine(k, r))
    .filter(Boolean)
    .join('; ');
}

export function renderGrowthMd(r: GrowthReport): string {
  const sizes = r.sizes.map((z) => `${z.name} (${z.dates.toLocaleString('en-US')} dates)`).join(' -> ');
  const routes = Object.keys(Object.assign({}, ...r.journey.map((j) => j.routes))).sort();
  const t = r.thresholds;
  const lines = [
    `# Growth audit: ${r.variant}, ${sizes}`,
    '',
    `**${unexpected(r.statements).length ? 'FAIL' : 'pass'}**: ${verdictLine(r)}.`,
    '',
    `Work per call = ${r.measure === 'plans' ? "rows processed by the statement's plans (auto_explain: actual rows and rows removed by filters, times loops, over every node) + " : ''}blocks touched + temp blocks (pg_stat_statements). It counts what the database did, never how long it took, so it does not depend on the machine's load or the cache. Work per visitor = calls per visitor x work per call, over the same visitors at every size. A statement **grows** when the exponent (slope of log work over log dates) of its work per call, or of its work per visitor (a loop: more calls, each as cheap), is above ${t.max_exponent} and that work rose by at least ${t.min_work_increase}. It **regressed** when its work per call or its calls per visitor rose above the baseline's by more than ${Math.round(t.max_regression * 100)} % at some size (and its work by at least ${t.min_work_increase}); it is **new** when the baseline lacks it and it does at least ${t.min_new_work} work per visitor.`,
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
    ...statementTable(r.statements, r.sizes, r.baseline?.compared ?? false),
  ];
  const loops = r.statements.filter((s) => s.reason === 'calls-per-visitor');
  const loopLines = loops.length
    ? [
        '',
        '## Loops',
        '',
        ...loops.map((s) => `- \`${s.fingerprint}\` ${statementName(s, 70)}: ${loopInWords(s, r.sizes, r.journey)}`),
      ]
    : [];
  const stale = r.unused_allow.length
    ? ['', `Allow-list entries not seen in this journey: ${r.unused_allow.map((f) => `\`${f}\``).join(', ')}.`]
    : [];
  const allowed = r.statements.filter((s) => s.allowed !== null);
  const reasons = allowed.length
    ? ['', '## Allowed', '', ...allowed.map((s) => `- \`${s.fingerprint}\` (${s.verdict}): ${s.allowed}`)]
    : [];
  return [...lines, ...loopLines, ...baselineSection(r), ...planSection(r), ...reasons, ...stale, ''].join('\n');
}

/** One JUnit test case per statement: it fails when its verdict fails the audit. */
export function junitCases(r: GrowthReport): GateCase[] {
  return r.statements.map((s) => ({
    name: `${s.fingerprint} ${statementName(s, 80)}`,
    passed: s.verdict === 'flat' || s.allowed !== null,
    seconds: 0,
    message: `${s.verdict}: ${s.verdict === 'flat' ? `exponent ${s.exponent?.toFixed(2) ?? 'n/a'}, ${growthInWords(s, r.sizes)}` : failureInWords(s, r)}${s.allowed ? ` (allowed: ${s.allowed})` : ''}`,
    details: `${s.sql}\nwork per call: ${r.sizes.map((z, i) => `${z.name} ${int(s.work_per_call[i])}`).join(', ')}; calls ${s.calls.join(' / ')}; calls per visitor ${s.calls_per_visitor.join(' / ')}`,
  }));
}
