/** Reads a run folder's summary.json and series.json back into a ReportInput, for re-rendering. */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { IncidentSummary, ReportInput } from '../incident/types.ts';
import { UserError } from '../../common/user-error.ts';

async function readJson(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new UserError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new UserError(`${file} is not valid JSON: ${(err as Error).message.split('\n')[0]}`);
  }
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks the fields the renderer cannot do without, so a wrong file fails with its path named rather than a
 * TypeError deep inside the renderer. Figures that may be null are the renderer's job ("n/a"). */
function checkSummary(v: unknown, file: string): IncidentSummary {
  const bad = (what: string) => new UserError(`${file}: ${what} (expected a loadlab.incident/v1 summary)`);
  if (!isObj(v)) throw bad('not an object');
  if (v.schema !== 'loadlab.incident/v1') throw bad(`schema is ${JSON.stringify(v.schema)}`);
  if (typeof v.run_id !== 'string') throw bad('run_id missing');
  if (!isObj(v.traffic) || typeof v.traffic.baseline_visitors_per_min !== 'number' || !isObj(v.traffic.calibration) || !Array.isArray(v.traffic.phases))
    throw bad('traffic missing or incomplete');
  if (!isObj(v.machine)) throw bad('machine missing');
  if (!isObj(v.variants)) throw bad('variants missing');
  for (const [name, r] of Object.entries(v.variants)) {
    if (name !== 'before' && name !== 'after') throw bad(`unknown variant ${JSON.stringify(name)}`);
    if (!isObj(r) || !isObj(r.phases) || !isObj(r.phases.baseline) || !isObj(r.phases.tripled)) throw bad(`variants.${name}.phases needs baseline and tripled`);
    if (!isObj(r.db) || !isObj(r.explain)) throw bad(`variants.${name} needs db and explain`);
  }
  return v as unknown as IncidentSummary;
}

export interface ReadResult {
  input: ReportInput;
  /** series.json absent (runs written before it existed): the report renders without charts */
  seriesMissing: boolean;
}

export async function readRunFolder(dir: string): Promise<ReadResult> {
  const st = await stat(dir).catch(() => null);
  if (!st?.isDirectory()) throw new UserError(`${dir} is not a folder (expected a run folder such as reports/latest)`);
  const summary = checkSummary(await readJson(path.join(dir, 'summary.json')), path.join(dir, 'summary.json'));
  const seriesFile = path.join(dir, 'series.json');
  const seriesExists = await stat(seriesFile).then(() => true, () => false);
  if (!seriesExists) return { input: { summary, series: {} }, seriesMissing: true };
  const series = await readJson(seriesFile);
  if (!isObj(series)) throw new UserError(`${seriesFile}: not an object keyed by variant`);
  for (const [name, s] of Object.entries(series)) {
    if (!isObj(s) || !Array.isArray(s.load) || !Array.isArray(s.db) || !Array.isArray(s.phases)) throw new UserError(`${seriesFile}: ${name} needs load, db and phases arrays`);
  }
  return { input: { summary, series: series as ReportInput['series'] }, seriesMissing: false };
}
