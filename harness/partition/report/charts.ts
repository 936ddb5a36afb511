/** report.html's charts of a partition replay: both variants on one time axis, the phases shaded. */
import type { PartitionSeries, PartitionSeriesPoint, PartitionVariant } from '../types.ts';
import { PARTITION_VARIANTS } from '../types.ts';
import { align, VARIANT_COLORS, type ChartAxis, type ChartSpec, type SeriesDef } from './pieces.ts';

type Get = (p: PartitionSeriesPoint, s: PartitionSeries) => number | null;

export function buildPartitionCharts(series: Partial<Record<PartitionVariant, PartitionSeries>>): ChartSpec[] {
  const present = PARTITION_VARIANTS.filter((v) => series[v] !== undefined);
  const phasesOf = (v: PartitionVariant) => series[v]!.phases;
  const phases = present.length ? phasesOf(present[0]) : [];
  const second = present[1];
  const differ = second !== undefined && phasesOf(second).some((p, i) => Math.abs(p.start_s - (phases[i]?.start_s ?? -1)) > 1);
  const otherPhases = differ ? { variant: second, marks: phasesOf(second) } : null;

  const def = (v: PartitionVariant, metric: string, get: Get, scale: ChartAxis['scale'], dash = false): SeriesDef<PartitionSeriesPoint> => ({
    variant: v, metric, points: series[v]!.points, t: (p) => p.t_s, get: (p) => get(p, series[v]!), scale, dash,
  });
  const perSecond = (count: (p: PartitionSeriesPoint) => number): Get => (p, s) => count(p) / s.bucket_s;
  const chart = (id: string, title: string, description: string, defs: SeriesDef<PartitionSeriesPoint>[], axes: ChartAxis[]): ChartSpec => {
    const a = align(defs);
    return {
      id, title, description, x: a.x, series: a.series, axes: axes.filter((ax) => a.series.some((s) => s.scale === ax.scale)), phases, otherPhases,
      empty: a.series.length === 0 || a.x.length === 0 ? 'No time series were recorded for this run.' : null,
    };
  };
  const failedAxis: ChartAxis = { scale: 'pct', label: 'failed %', side: 'left', log: false };
  const rateAxis: ChartAxis = { scale: 'rps', label: 'per second', side: 'right', log: false };
  return [
    chart('chart-async', 'Failed asynchronous actions', 'Share of cart adds and checkouts (first tries and retries) that failed, by the time they were sent (solid), and how many were sent per second (dashed).',
      [...present.map((v) => def(v, 'async failed %', (p) => (p.async_failed_rate === null ? null : p.async_failed_rate * 100), 'pct')), ...present.map((v) => def(v, 'async actions/s', perSecond((p) => p.async_actions), 'rps', true))],
      [failedAxis, rateAxis]),
    chart('chart-pages', 'Failed page loads', 'Share of calendar and product-list requests that failed (solid), and how many were sent per second (dashed).',
      [...present.map((v) => def(v, 'pages failed %', (p) => (p.pages_failed_rate === null ? null : p.pages_failed_rate * 100), 'pct')), ...present.map((v) => def(v, 'pages/s', perSecond((p) => p.pages), 'rps', true))],
      [failedAxis, rateAxis]),
    chart('chart-workers', 'Workers in service', 'Web workers in the load balancer\'s rotation (solid) and task workers taking tasks (dashed). Before the fix a task worker that reaches Redis only keeps taking tasks.',
      [...present.map((v) => def(v, 'web workers in rotation', (p) => p.webs_in_rotation, 'count')), ...present.map((v) => def(v, 'task workers taking tasks', (p) => p.tasks_taking, 'count', true))],
      [{ scale: 'count', label: 'workers', side: 'left', log: false }]),
  ];
}

export function legendHtml(present: PartitionVariant[]): string {
  return present.map((v) => `<span class="legend-key" style="background:${VARIANT_COLORS[v]}"></span>${v}${v === 'before' ? ' (task workers ignore their PostgreSQL link)' : ' (the fix: gated on the link)'}`).join('');
}
