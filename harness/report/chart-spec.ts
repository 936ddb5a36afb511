/**
 * What the browser side (chart-client.js) draws: one uPlot chart per spec, with every data decision (which
 * points, which range, which colours) already made in TypeScript. Shared by every report that has charts.
 */

/** Colour means variant in every chart of every report; a chart's second figure of a variant is dashed. */
export const VARIANT_COLORS = { before: '#d9480f', after: '#1971c2' } as const;

export type Unit = 'ms' | 'rps' | 'pct' | 'bytes_s' | 'blocks_s' | 'per_min' | 'count' | 's';

export interface ChartSeries {
  label: string;
  color: string;
  /** dashed for the second metric of a chart, so colour keeps meaning "variant" */
  dash: boolean;
  /** a dot on every value: for few points (one per dataset size); dense series leave it to uPlot */
  points: boolean;
  scale: Unit;
  /**
   * The series' own x values. Series on different clocks (two variants' DB samplers) are joined in the page;
   * where a series has no value at another's x the line runs on, it does not break.
   */
  x: number[];
  /** null: nothing known there, and the line breaks (a gap) */
  values: (number | null)[];
}

export interface ChartAxis {
  scale: Unit;
  label: string;
  side: 'left' | 'right';
  log: boolean;
}

export interface XAxis {
  /** the legend's word for an x value: "time", "dates" */
  name: string;
  label: string;
  unit: Unit;
  log: boolean;
  /** the range shown, so charts of one report line up and show the same window */
  min: number;
  max: number;
}

/** a shaded stretch of x, labelled (a load phase) */
export interface Band {
  label: string;
  start: number;
  end: number;
  fill: string;
}

export interface ChartSpec {
  id: string;
  title: string;
  description: string;
  xAxis: XAxis;
  series: ChartSeries[];
  axes: ChartAxis[];
  bands: Band[];
  /** dashed vertical lines, e.g. the other variant's phase starts when they differ from the bands */
  marks: { color: string; at: number[] } | null;
  /** why the chart is not drawn; null when it has data */
  empty: string | null;
}

/** Log scale when values span orders of magnitude (10 ms vs 10 s would flatten the fast variant to zero);
 * only possible when every value is positive. */
export function wantsLog(series: ChartSeries[]): boolean {
  const vals = series.flatMap((s) => s.values).filter((v): v is number => v !== null);
  if (vals.length === 0 || vals.some((v) => v <= 0)) return false;
  return Math.max(...vals) / Math.min(...vals) >= 20;
}

/** the powers of ten around the values, for a log axis that starts and ends on a labelled tick */
export function logRange(values: number[]): [number, number] {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  return [10 ** Math.floor(Math.log10(lo)), 10 ** Math.ceil(Math.log10(hi) + 1e-9)];
}
