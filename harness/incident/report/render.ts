/** The incident replay's report page: its model and charts through the kit's renderers. */
import type { ReportInput } from '../types.ts';
import { VARIANT_COLORS } from '../../report/chart-spec.ts';
import { legendKeys, renderReport, writeReportPage, type ReportPage } from '../../report/write.ts';
import { buildCharts } from './charts.ts';
import { buildModel } from './model.ts';

export function incidentPage(input: ReportInput): ReportPage {
  const legend = legendKeys(
    (['before', 'after'] as const)
      .filter((v) => input.summary.variants[v] !== undefined)
      .map((v) => ({ color: VARIANT_COLORS[v], label: `${v} (${v === 'before' ? 'old' : 'fixed'} query)` })),
  );
  return {
    model: buildModel(input),
    charts: buildCharts(input),
    chartsIntro: `Time is seconds since each variant's load start, so both runs share one axis; shaded bands are the phases.${legend ? ` Colours:${legend}` : ''}`,
    mdClosing: 'Charts of latency, throughput and DB I/O over time are in report.html.',
  };
}

export const renderMarkdown = (input: ReportInput): string => renderReport(incidentPage(input)).md;
export const renderHtml = (input: ReportInput): string => renderReport(incidentPage(input)).html;

/** report.md and report.html of an incident run folder */
export function writeReport(dir: string, input: ReportInput): void {
  writeReportPage(dir, incidentPage(input));
}
