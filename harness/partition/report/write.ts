/** Writes a partition run folder's report.md and report.html with the shared document renderers. */
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { htmlDocument } from '../../report/render-html.ts';
import { markdownDocument } from '../../report/render-md.ts';
import type { PartitionSeries, PartitionSummary, PartitionVariant } from '../types.ts';
import { buildPartitionCharts, chartsIntro } from './charts.ts';
import { buildPartitionModel, presentVariants } from './model.ts';

export interface PartitionReportInput {
  summary: PartitionSummary;
  series: Partial<Record<PartitionVariant, PartitionSeries>>;
}

export function writePartitionReport(dir: string, input: PartitionReportInput): void {
  const model = buildPartitionModel(input.summary);
  // both rendered before either is written: a rendering bug cannot leave a new .md next to a stale .html
  const md = markdownDocument(
    model,
    'Charts of the failure rates and the workers in service over time are in report.html.',
  );
  const html = htmlDocument(model, buildPartitionCharts(input.series), chartsIntro(presentVariants(input.summary)));
  writeFileAtomic.sync(path.join(dir, 'report.md'), md);
  writeFileAtomic.sync(path.join(dir, 'report.html'), html);
}
