/** Reads a run folder's summary.json and series.json back into a ReportInput, for re-rendering. */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { incidentSeriesSchema, incidentSummarySchema, type ReportInput } from '../types.ts';
import { readJsonFile } from '../../files/json-file.ts';
import { UserError } from '../../../common/user-error.ts';

export interface ReadResult {
  input: ReportInput;
  /** series.json absent (runs written before it existed): the report renders without charts */
  seriesMissing: boolean;
}

/** Both files go through their schemas, so a wrong file fails with its path and field named rather than a
 * TypeError deep inside the renderer. */
export async function readRunFolder(dir: string): Promise<ReadResult> {
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory())
    throw new UserError(`${dir} is not a folder (expected a run folder such as reports/latest)`);
  const summary = readJsonFile(path.join(dir, 'summary.json'), incidentSummarySchema, 'a loadlab.incident/v1 summary');
  const seriesFile = path.join(dir, 'series.json');
  if (!existsSync(seriesFile)) return { input: { summary, series: {} }, seriesMissing: true };
  const series = readJsonFile(
    seriesFile,
    incidentSeriesSchema,
    'the series of a loadlab.incident/v1 run, keyed by variant',
  );
  return { input: { summary, series }, seriesMissing: false };
}
