import { logRange, VARIANT_COLORS, type ChartSeries, type ChartSpec } from '../report/chart-spec.ts';
import { projectAt } from './projection.ts';
import { modelsOf } from './review-figures.ts';
import type { CapacityResult } from './types.ts';

export const TRAFFIC_COLOR = '#495057';
const CURVE_STEPS = 12;

/** the dates the chart spans: every size measured, and the breaks worth seeing, on whole powers of ten */
function span(r: CapacityResult, extra: number[]): [number, number] {
  return logRange([...r.points.map((p) => p.dates), ...extra.filter((d) => d > 0 && Number.isFinite(d))]);
}

/**
 * The review's one chart: each variant's measured medians (points), its fitted power law (dashed) across the
 * chart, and today's traffic and 3x as flat lines, on log-log axes. Where a curve crosses a traffic line the SLO
 * breaks at that traffic.
 */
export function reviewChart(r: CapacityResult, traffic: number | null, breaks: number[]): ChartSpec {
  const [min, max] = span(r, breaks);
  const grid = Array.from({ length: CURVE_STEPS + 1 }, (_, i) => Math.round(min * (max / min) ** (i / CURVE_STEPS)));
  const series: ChartSeries[] = [];
  for (const v of ['before', 'after'] as const) {
    const pts = r.points
      .filter((p) => p.variant === v && p.capacity_visitors_per_min > 0)
      .sort((a, b) => a.dates - b.dates);
    if (pts.length === 0) continue;
    series.push({
      label: `${v} measured`,
      color: VARIANT_COLORS[v],
      dash: false,
      points: true,
      scale: 'per_min',
      x: pts.map((p) => p.dates),
      values: pts.map((p) => p.capacity_visitors_per_min),
    });
    const pr = modelsOf(r, v)?.projection;
    if (pr)
      series.push({
        label: `${v} projected`,
        color: VARIANT_COLORS[v],
        dash: true,
        points: false,
        scale: 'per_min',
        x: grid,
        values: grid.map((d) => Math.round(projectAt(pr, d) * 10) / 10),
      });
  }
  if (traffic !== null)
    for (const [label, t] of [
      ['today', traffic],
      ['3x today', traffic * 3],
    ] as const)
      series.push({
        label: `traffic ${label}`,
        color: TRAFFIC_COLOR,
        dash: label !== 'today',
        points: false,
        scale: 'per_min',
        x: grid,
        values: grid.map(() => t),
      });
  return {
    id: 'review-chart',
    title: traffic === null ? 'Capacity against dates' : 'Capacity against dates, and the traffic',
    description:
      traffic === null
        ? "Each variant's median capacity per size (points) and the curve fitted to them (dashed). No traffic was given (--traffic), so no traffic lines. Both axes are logarithmic."
        : "Each variant's median capacity per size (points) and the curve fitted to them (dashed), against today's traffic and three times it (grey). Where a curve falls below a traffic line, the SLO breaks at that traffic. Both axes are logarithmic.",
    xAxis: { name: 'dates', label: 'dates in the event series (log scale)', unit: 'count', log: true, min, max },
    series,
    axes: [{ scale: 'per_min', label: 'visitors/min', side: 'left', log: true }],
    bands: [],
    marks: null,
    empty: series.some((s) => s.label.endsWith('measured')) ? null : 'No capacity was measured.',
  };
}
