/** Reads a timeline run folder's summary.json and series.json back, for re-rendering its report. */
import path from 'node:path';
import { readJsonFile } from '../files/json-file.ts';
import { summarySchemaOf } from '../files/summary-schema.ts';
import type { TimelineReportInput } from './report.ts';
import { timelineSeriesSchema, timelineSummarySchema } from './types.ts';

/** Whether `dir` holds a timeline run (its summary.json says loadlab.timeline/v1); anything unreadable is not. */
export function isTimelineFolder(dir: string): boolean {
  return summarySchemaOf(dir) === 'loadlab.timeline/v1';
}

/** Both files go through their schemas: a wrong file fails with its path and field named. */
export function readTimelineFolder(dir: string): TimelineReportInput {
  return {
    summary: readJsonFile(path.join(dir, 'summary.json'), timelineSummarySchema, 'a loadlab.timeline/v1 summary'),
    series: readJsonFile(
      path.join(dir, 'series.json'),
      timelineSeriesSchema,
      'the series of a loadlab.timeline/v1 run',
    ),
  };
}
