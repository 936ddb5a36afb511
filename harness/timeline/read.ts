/** Reads a timeline run folder's summary.json and series.json back, for re-rendering its report. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readJsonFile } from '../files/json-file.ts';
import type { TimelineReportInput } from './report.ts';
import { timelineSeriesSchema, timelineSummarySchema } from './types.ts';

/** Whether `dir` holds a timeline run (its summary.json says loadlab.timeline/v1); anything unreadable is not. */
export function isTimelineFolder(dir: string): boolean {
  try {
    return (JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8')) as { schema?: unknown }).schema === 'loadlab.timeline/v1';
  } catch {
    return false;
  }
}

/** Both files go through their schemas: a wrong file fails with its path and field named. */
export function readTimelineFolder(dir: string): TimelineReportInput {
  return {
    summary: readJsonFile(path.join(dir, 'summary.json'), timelineSummarySchema, 'a loadlab.timeline/v1 summary'),
    series: readJsonFile(path.join(dir, 'series.json'), timelineSeriesSchema, 'the series of a loadlab.timeline/v1 run'),
  };
}
