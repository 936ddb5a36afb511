// The shared report pieces this report is built from, in one place: formatting, the neutral report model, the
// markdown and HTML page renderers and the chart specs of harness/report.
export { fmtInt, fmtMs, fmtNum, fmtPct } from '../../report/format.ts';
export type { Cell, ReportModel, Section, Table } from '../../report/model.ts';
export { markdownDocument } from '../../report/render-md.ts';
export { reportPage } from '../../report/render-html.ts';
export { align, VARIANT_COLORS, type ChartAxis, type ChartSpec, type SeriesDef } from '../../report/charts.ts';
