/** Writes a partition run folder's report.md and report.html through the kit's renderers. */
import { writeReportPage } from '../../report/write.ts';
import type { PartitionSeries, PartitionSummary, PartitionVariant } from '../types.ts';
import { buildPartitionCharts, chartsIntro } from './charts.ts';
import { buildPartitionModel, presentVariants } from './model.ts';

export interface PartitionReportInput {
  summary: PartitionSummary;
  series: Partial<Record<PartitionVariant, PartitionSeries>>;
}

export function writePartitionReport(dir: string, input: PartitionReportInput): void {
  writeReportPage(dir, {
    model: buildPartitionModel(input.summary),
    charts: buildPartitionCharts(input.series),
    chartsIntro: chartsIntro(presentVariants(input.summary)),
    mdClosing: 'Charts of the failure rates and the workers in service over time are in report.html.',
  });
}
