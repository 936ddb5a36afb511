/** Reads a partition run folder's summary.json and series.json back, for re-rendering its report. */
import path from 'node:path';
import { readJsonFile } from '../files/json-file.ts';
import { summarySchemaOf } from '../files/summary-schema.ts';
import type { PartitionReportInput } from './report/write.ts';
import { partitionSeriesSchema, partitionSummarySchema } from './types.ts';

/** Whether `dir` holds a partition run (its summary.json says loadlab.partition/v1); anything unreadable is not. */
export function isPartitionFolder(dir: string): boolean {
  return summarySchemaOf(dir) === 'loadlab.partition/v1';
}

/** Both files go through their schemas: a wrong file fails with its path and field named. */
export function readPartitionFolder(dir: string): PartitionReportInput {
  return {
    summary: readJsonFile(path.join(dir, 'summary.json'), partitionSummarySchema, 'a loadlab.partition/v1 summary'),
    series: readJsonFile(
      path.join(dir, 'series.json'),
      partitionSeriesSchema,
      'the series of a loadlab.partition/v1 run',
    ),
  };
}
