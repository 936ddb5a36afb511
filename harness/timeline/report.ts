/** report.md and report.html of a timeline run, through the incident report's renderers. */
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import type { ChartSeries, ChartSpec } from '../report/charts.ts';
import { escapeHtml, htmlDocument } from '../report/render-html.ts';
import { markdownDocument } from '../report/render-md.ts';
import { buildTimelineModel } from './report-model.ts';
import type { PeriodName, Tenant, TimelinePoint, TimelineSeries, TimelineSummary } from './types.ts';

export interface TimelineReportInput {
  summary: TimelineSummary;
  series: TimelineSeries;
}

export const TENANT_COLORS: Record<Tenant, string> = { hot: '#d9480f', others: '#1971c2' };
const TEMP_COLOR = '#868e96';

/** calm to alarming and back: the bands say at a glance how the platform fared */
const PERIOD_FILL: Record<PeriodName, string> = {
  normal: 'rgba(47,158,68,0.07)',
  tripled: 'rgba(224,49,49,0.10)',
  'access-cut': 'rgba(73,80,87,0.10)',
  queue: 'rgba(240,140,0,0.10)',
  'shop-disabled': 'rgba(112,72,232,0.08)',
  fixed: 'rgba(47,158,68,0.12)',
};

/** One chart of the whole day: p95 and errors per tenant group, DB temp bytes behind them, periods shaded. */
export function timelineChart(input: TimelineReportInput): ChartSpec {
  const pts = input.series.points;
  const series = (label: string, variant: string, color: string, scale: ChartSeries['scale'], dash: boolean, get: (p: TimelinePoint) => number | null, fill?: string): ChartSeries => ({
    label, variant, color, scale, dash, values: pts.map(get), ...(fill ? { fill } : {}),
  });
  const all = [
    series('hot p95', 'hot', TENANT_COLORS.hot, 'ms', false, (p) => p.hot_p95_ms),
    series('others p95', 'others', TENANT_COLORS.others, 'ms', false, (p) => p.others_p95_ms),
    series('hot errors %', 'hot', TENANT_COLORS.hot, 'pct', true, (p) => p.hot_error_pct),
    series('others errors %', 'others', TENANT_COLORS.others, 'pct', true, (p) => p.others_error_pct),
    series('DB temp bytes/s', 'db', TEMP_COLOR, 'bytes_s', false, (p) => p.temp_bytes_per_s, 'rgba(134,142,150,0.18)'),
  ].filter((s) => s.values.some((v) => v !== null));
  const latencies = all.filter((s) => s.scale === 'ms').flatMap((s) => s.values).filter((v): v is number => v !== null);
  // milliseconds of the other shops next to the hot shop's 10 s timeouts: only a log scale shows both
  const log = latencies.length > 0 && latencies.every((v) => v > 0) && Math.max(...latencies) / Math.min(...latencies) >= 20;
  const axes: ChartSpec['axes'] = [
    { scale: 'ms', label: 'p95', side: 'left', log },
    { scale: 'pct', label: 'errors %', side: 'right', log: false },
    { scale: 'bytes_s', label: 'DB temp bytes/s', side: 'right', log: false },
  ];
  return {
    id: 'chart-timeline',
    title: 'The incident day',
    description: `p95 (solid) and failed share (dashed) of the pages each group sent per ${input.series.bucket_s} s, queue pages left out; grey: the database's temporary-file writes.`,
    x: pts.map((p) => p.t_s),
    series: all,
    axes: axes.filter((a) => all.some((s) => s.scale === a.scale)),
    phases: input.summary.periods.map((p) => ({ name: p.name, start_s: p.start_s, end_s: p.end_s, label: `${p.clock} ${p.name}`, fill: PERIOD_FILL[p.name] })),
    otherPhases: null,
    empty: all.length === 0 || pts.length === 0 ? 'No time series were recorded for this run.' : null,
    xLabel: 'seconds since the day started',
  };
}

export async function writeTimelineReport(dir: string, input: TimelineReportInput): Promise<void> {
  const model = buildTimelineModel(input.summary);
  const legend = (['hot', 'others'] as const)
    .map((t) => `<span class="legend-key" style="background:${TENANT_COLORS[t]}"></span>${escapeHtml(t === 'hot' ? 'hot shop' : 'other shops')}`)
    .join('');
  const intro = `Shaded bands are the post-mortem's periods, labelled with its clock times (UTC, 2026-06-29). Colours:${legend}<span class="legend-key" style="background:${TEMP_COLOR}"></span>DB temp bytes/s`;
  // render both before writing either, so a rendering bug cannot leave a new .md next to a stale .html
  const md = markdownDocument(model, 'The timeline chart (p95, errors and DB temp bytes over the day) is in report.html.');
  const html = htmlDocument(model, [timelineChart(input)], intro);
  writeFileAtomic.sync(path.join(dir, 'report.md'), md);
  writeFileAtomic.sync(path.join(dir, 'report.html'), html);
}
