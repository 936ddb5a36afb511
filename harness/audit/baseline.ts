import { readFileSync } from 'node:fs';
import writeFileAtomic from 'write-file-atomic';
import { UserError, describeError } from '../../common/user-error.ts';
import { shortSql } from '../stats/fingerprint.ts';
import type { GoneStatement, GrowthReport, SizeRef } from './report-types.ts';

export const BASELINE_SCHEMA = 'loadlab.growth-baseline/v1' as const;

/** One statement as main measured it: the figures an audit compares with, per size in the order of `sizes`. */
export interface BaselineStatement {
  fingerprint: string;
  label: string | null;
  /** the start of its SQL, for a reviewer reading the file's diff */
  sql: string;
  work_per_call: (number | null)[];
  calls_per_visitor: number[];
  /** plan shapes per size (null without plans or where it did not run) */
  plans: (string[] | null)[];
}

/**
 * loadtests/growth-baseline.json: what the journey's statements did when it was last accepted. The counts
 * repeat exactly on a fresh seed, so a comparison with it does not flake; it is only meaningful for the same
 * variant, sizes, seed, visitors and measure, which it records.
 */
export interface Baseline {
  schema: typeof BASELINE_SCHEMA;
  variant: string;
  sizes: SizeRef[];
  seed: number;
  visitors: number;
  measure: 'plans' | 'statements';
  statements: BaselineStatement[];
}

/** where the baseline comes from: the file, what it held (null: no file yet), whether --baseline named it */
export interface BaselineSource {
  file: string;
  data: Baseline | null;
  explicit: boolean;
}

const isNumList = (v: unknown, nullable: boolean) =>
  Array.isArray(v) && v.every((x) => (typeof x === 'number' && Number.isFinite(x)) || (nullable && x === null));

/** The first field of a parsed baseline that is not what an audit wrote, or null when it is whole. */
function brokenField(b: Partial<Baseline>): string | null {
  if (b.schema !== BASELINE_SCHEMA) return `schema (expected '${BASELINE_SCHEMA}')`;
  if (typeof b.variant !== 'string') return 'variant';
  if (!Array.isArray(b.sizes) || !b.sizes.every((z) => typeof z?.name === 'string' && Number.isInteger(z?.dates)))
    return 'sizes';
  if (!Number.isInteger(b.seed)) return 'seed';
  if (!Number.isInteger(b.visitors)) return 'visitors';
  if (b.measure !== 'plans' && b.measure !== 'statements') return 'measure';
  if (!Array.isArray(b.statements)) return 'statements';
  const n = b.sizes.length;
  for (const [i, s] of b.statements.entries()) {
    const where = `statements[${i}]`;
    if (typeof s?.fingerprint !== 'string' || !/^[0-9a-f]{12}$/.test(s.fingerprint)) return `${where}.fingerprint`;
    if (!isNumList(s.work_per_call, true) || s.work_per_call.length !== n) return `${where}.work_per_call`;
    if (!isNumList(s.calls_per_visitor, false) || s.calls_per_visitor.length !== n) return `${where}.calls_per_visitor`;
    if (!Array.isArray(s.plans) || s.plans.length !== n) return `${where}.plans`;
  }
  return null;
}

/**
 * Reads the baseline. A missing file is no baseline yet (null) unless --baseline named it; a broken one stops
 * the audit with one line naming the file and the field.
 */
export function readBaseline(file: string, explicit: boolean): BaselineSource {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (!explicit && (err as NodeJS.ErrnoException).code === 'ENOENT') return { file, data: null, explicit };
    throw new UserError(`cannot read the baseline ${file}: ${describeError(err).split('\n')[0]}`);
  }
  let parsed: Partial<Baseline>;
  try {
    parsed = JSON.parse(text) as Partial<Baseline>;
  } catch (err) {
    throw new UserError(`the baseline ${file} is not JSON (${describeError(err).split('\n')[0]})`);
  }
  const broken = parsed && typeof parsed === 'object' ? brokenField(parsed) : 'the whole file';
  if (broken)
    throw new UserError(
      `the baseline ${file} has a broken field: ${broken} (rewrite it with npm run audit:growth -- --update-baseline)`,
    );
  return { file, data: parsed as Baseline, explicit };
}

const sizesText = (sizes: SizeRef[]) => sizes.map((z) => z.name).join(',');

/** Why this audit cannot be compared with the baseline, in one line, or null when it can. */
export function baselineMismatch(
  b: Baseline,
  a: Pick<Baseline, 'variant' | 'sizes' | 'seed' | 'visitors' | 'measure'>,
): string | null {
  const diffs: string[] = [];
  if (b.variant !== a.variant) diffs.push(`variant ${b.variant}, not ${a.variant}`);
  if (JSON.stringify(b.sizes) !== JSON.stringify(a.sizes))
    diffs.push(`sizes ${sizesText(b.sizes)}, not ${sizesText(a.sizes)}`);
  if (b.seed !== a.seed) diffs.push(`seed ${b.seed}, not ${a.seed}`);
  if (b.visitors !== a.visitors) diffs.push(`${b.visitors} visitors, not ${a.visitors}`);
  if (b.measure !== a.measure) diffs.push(`measured from ${b.measure}, not ${a.measure}`);
  return diffs.length ? `the baseline was recorded with ${diffs.join(', ')}: not compared` : null;
}

/** The baseline an audit's report makes: statements by fingerprint, so a change shows as a small diff. */
export function baselineOf(r: GrowthReport): Baseline {
  return {
    schema: BASELINE_SCHEMA,
    variant: r.variant,
    sizes: r.sizes,
    seed: r.seed,
    visitors: r.visitors,
    measure: r.measure,
    statements: [...r.statements]
      .sort((a, b) => a.fingerprint.localeCompare(b.fingerprint))
      .map((s) => ({
        fingerprint: s.fingerprint,
        label: s.label,
        sql: shortSql(s.sql, 120),
        work_per_call: s.work_per_call,
        calls_per_visitor: s.calls_per_visitor,
        plans: s.plans.map((p) => (p ? p.map((x) => x.shape).sort() : null)),
      })),
  };
}

export function writeBaseline(file: string, b: Baseline): void {
  // arrays of figures on one line each, so a changed figure is a one-line diff
  const text = JSON.stringify(b, null, 2).replace(
    /\[\s+([-\d.,\snul]*?)\s+\]/g,
    (_, inner: string) => `[${inner.replace(/\s+/g, ' ')}]`,
  );
  writeFileAtomic.sync(file, text + '\n');
}

/** Baseline statements the journey no longer ran: listed, never a failure (a removed query is no regression). */
export function goneStatements(b: Baseline | null, seen: ReadonlySet<string>): GoneStatement[] {
  return (b?.statements ?? [])
    .filter((s) => !seen.has(s.fingerprint))
    .map((s) => ({ fingerprint: s.fingerprint, label: s.label, sql: s.sql }));
}
