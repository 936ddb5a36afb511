import path from 'node:path';
import { projectRoot } from '../files/paths.ts';
import { int, statementName } from './names.ts';
import { changedNodes } from './plans.ts';
import type { GrowthReport, PlanChange } from './report-types.ts';

const datesOf = (r: GrowthReport, name: string) => {
  const z = r.sizes.find((x) => x.name === name);
  return z ? `${z.name} (${z.dates.toLocaleString('en-US')} dates)` : name;
};

const cut = (s: string, max = 240) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

/** A plan change in one line: how many plans each side used, and the nodes (or, failing that, the trees) that differ. */
function changeInWords(r: GrowthReport, c: PlanChange): string {
  const d = changedNodes(c);
  const label = (which: 'from' | 'to') => {
    const name =
      c.kind === 'baseline' ? (which === 'from' ? `in the baseline at ${c.to}` : 'now') : `at ${datesOf(r, c[which])}`;
    const all = which === 'from' ? c.from_shapes : c.to_shapes;
    return all.length > 1 ? `${name} (${all.length} plans)` : name;
  };
  const nodes = (xs: string[], whole: string[]) =>
    xs.length ? xs.join(', ') : whole.length ? whole.map((s) => cut(s)).join(' | ') : 'only plans also used there';
  const [removed, added] = d.removed.length || d.added.length ? [d.removed, d.added] : [[], []];
  return `${label('from')}: ${nodes(removed, d.from)}; ${label('to')}: ${nodes(added, d.to)}`;
}

/** Plans that differ between sizes or from the baseline: warnings a reviewer reads, never a failure. */
export function planSection(r: GrowthReport): string[] {
  const changed = r.statements.filter((s) => s.plan_changes.length > 0);
  if (changed.length === 0) return [];
  return [
    '',
    '## Plans that changed (a warning, never a failure by itself)',
    '',
    "The planner picks a statement's plan from the data, its parameters and the schema; on the same seed it picks the same one, so a difference here is real. It is not always bad (a small table read whole, a large one through its index), but a plan that flips as the data grows is where the next incident may start.",
    '',
    ...changed.flatMap((s) =>
      s.plan_changes.map((c) => `- \`${s.fingerprint}\` ${statementName(s, 70)}: ${changeInWords(r, c)}`),
    ),
  ];
}

/** What the baseline comparison found, and how to accept a change on purpose. */
export function baselineSection(r: GrowthReport): string[] {
  const b = r.baseline;
  if (!b) return [];
  const file = path.relative(projectRoot, b.file) || b.file;
  const head = ['', '## Against the baseline', ''];
  if (!b.compared) return [...head, `Not compared with \`${file}\`: ${b.note}.`];
  const regressed = r.statements.filter((s) => s.verdict === 'regressed');
  const fresh = r.statements.filter((s) => s.verdict === 'new');
  const quietNew = r.statements.filter((s) => s.baseline_work_per_call === null && s.verdict === 'flat');
  const sizes = (xs: (number | null)[] | null) => (xs ?? []).map((x) => int(x)).join(' / ');
  const cpv = (xs: number[] | null) =>
    (xs ?? []).map((x) => x.toLocaleString('en-US', { maximumFractionDigits: 2 })).join(' / ');
  return [
    ...head,
    `Compared with \`${file}\`${b.updated ? ' (rewritten by this audit with --update-baseline: what is listed here is what it accepted)' : ''}: calls, plans and the reads' work repeat exactly on a fresh seed (a write may touch a few blocks more or less), so a difference past the thresholds is a change in the code, the schema or the plans.`,
    '',
    ...regressed.map(
      (s) =>
        `- regressed (${s.reason}): \`${s.fingerprint}\` ${statementName(s, 70)}: work per call ${sizes(s.baseline_work_per_call)} -> ${sizes(s.work_per_call)}, calls per visitor ${cpv(s.baseline_calls_per_visitor)} -> ${cpv(s.calls_per_visitor)}`,
    ),
    ...fresh.map(
      (s) =>
        `- new: \`${s.fingerprint}\` ${statementName(s, 70)}: work per visitor ${sizes(s.work_per_visitor)}, ${cpv(s.calls_per_visitor)} calls per visitor`,
    ),
    ...(quietNew.length
      ? [
          `- new, below the floor of ${r.thresholds.min_new_work} work per visitor: ${quietNew.map((s) => `\`${s.fingerprint}\``).join(', ')}`,
        ]
      : []),
    ...r.gone.map((s) => `- gone: \`${s.fingerprint}\` ${statementName(s, 70)}`),
    ...(regressed.length + fresh.length + quietNew.length + r.gone.length === 0
      ? ['Every statement as in the baseline.']
      : []),
    '',
    `To accept a change on purpose (a new feature's statement, a cost you decided to pay): run \`npm run audit:growth -- --update-baseline\` with the gate's sizes and visitors, and commit \`${file}\` in the same commit as the change, with the reason in the commit message; the reviewer sees both in one diff.`,
  ];
}
