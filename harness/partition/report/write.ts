import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import type { PartitionSeries, PartitionSummary, PartitionVariant } from '../types.ts';

export interface PartitionReportInput {
  summary: PartitionSummary;
  series: Partial<Record<PartitionVariant, PartitionSeries>>;
}

export function writePartitionReport(dir: string, input: PartitionReportInput): void {
  writeFileAtomic.sync(path.join(dir, 'report.md'), `# placeholder\n\n${JSON.stringify(input.summary.variants, null, 1)}\n`);
  writeFileAtomic.sync(path.join(dir, 'report.html'), '<!doctype html><title>placeholder</title>');
}
