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
  /** the whole width of the page, not a column of the grid (a chart of a whole day, a band under it) */
  wide?: boolean;
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

/** the variants whose colours every chart shares */
export type Variant = keyof typeof VARIANT_COLORS;

/** seconds since the load started: the x range a time chart shows */
export type TimeWindow = [number, number];

/** a stretch of a run, in seconds since its load started (an incident replay's ramp, a partition) */
export interface PhaseSpan {
  name: string;
  start_s: number;
  end_s: number;
}

/** The same phase is shaded the same in every report: baseline calm, the trouble red, the recovery blue. */
const PHASE_FILL: Record<string, string> = {
  baseline: 'rgba(47,158,68,0.07)',
  ramp: 'rgba(240,140,0,0.09)',
  tripled: 'rgba(224,49,49,0.08)',
  partition: 'rgba(224,49,49,0.08)',
  recovery: 'rgba(25,113,194,0.06)',
};

/**
 * One figure over the window, in a colour of its own. Each series keeps its own time stamps: the load buckets and
 * the two variants' DB samples run on different clocks, and merging them into one axis here would put a hole into
 * every series wherever another one had a sample (the DB charts once drew nothing for that reason).
 */
export function lineSeries<P extends { t_s: number }>(
  label: string,
  color: string,
  points: P[],
  get: (p: P) => number | null | undefined,
  scale: Unit,
  [lo, hi]: TimeWindow,
  dash = false,
): ChartSeries[] {
  const inside = points.filter((p) => p.t_s >= lo && p.t_s <= hi);
  const values = inside.map((p) => {
    const v = get(p);
    return typeof v === 'number' && Number.isFinite(v) ? v : null;
  });
  // a series without a single value only adds a legend entry that says nothing
  if (!values.some((v) => v !== null)) return [];
  return [{ label, color, dash, points: false, scale, x: inside.map((p) => p.t_s), values }];
}

/** One variant's figure over the window, in the variant's colour. */
export function timeSeries<P extends { t_s: number }>(
  variant: Variant,
  metric: string,
  points: P[],
  get: (p: P) => number | null | undefined,
  scale: Unit,
  window: TimeWindow,
  dash = false,
): ChartSeries[] {
  return lineSeries(`${variant} ${metric}`, VARIANT_COLORS[variant], points, get, scale, window, dash);
}

function samePhases(a: PhaseSpan[], b: PhaseSpan[]): boolean {
  return (
    a.length === b.length &&
    a.every(
      (p, i) => p.name === b[i].name && Math.abs(p.start_s - b[i].start_s) <= 1 && Math.abs(p.end_s - b[i].end_s) <= 1,
    )
  );
}

/** A shaded band per phase, in the phase's colour of every report. */
export function phaseBands(phases: PhaseSpan[]): Band[] {
  return phases.map(
    (p): Band => ({ label: p.name, start: p.start_s, end: p.end_s, fill: PHASE_FILL[p.name] ?? 'rgba(0,0,0,0.04)' }),
  );
}

/** Bands for the first variant's phases; the second's starts as dashed lines in its colour when they differ. */
export function phaseDecor(phasesOf: [Variant, PhaseSpan[]][]): Pick<ChartSpec, 'bands' | 'marks'> {
  const withPhases = phasesOf.filter(([, phases]) => phases.length > 0);
  const phases = withPhases.length ? withPhases[0][1] : [];
  const second = withPhases[1];
  const other = second && !samePhases(phases, second[1]) ? second[1] : null;
  return {
    bands: phaseBands(phases),
    marks: other ? { color: VARIANT_COLORS[second[0]], at: other.map((p) => p.start_s) } : null,
  };
}

/** A chart over time before the parts every chart of a report shares. */
export interface TimeChart {
  id: string;
  title: string;
  description: string;
  series: ChartSeries[];
  axes: ChartAxis[];
  /** what the box says when no series has a value */
  ifEmpty: string;
}

/** A report's charts over time: one x range and one phase shading for all, and no axis without a series. */
export function timeCharts(charts: TimeChart[], w: TimeWindow, decor: Pick<ChartSpec, 'bands' | 'marks'>): ChartSpec[] {
  return charts.map(({ ifEmpty, ...c }) => ({
    ...c,
    xAxis: { name: 'time', label: 'seconds since load start', unit: 's', log: false, min: w[0], max: w[1] },
    axes: c.axes.filter((a) => c.series.some((s) => s.scale === a.scale)),
    ...decor,
    empty: c.series.length ? null : ifEmpty,
  }));
}

/** The throughput chart's two axes: requests/s on the left, the failed share in percent on the right (people read
 * "3 %" faster than "0.03"). */
export const THROUGHPUT_AXES: ChartAxis[] = [
  { scale: 'rps', label: 'requests/s', side: 'left', log: false },
  { scale: 'pct', label: 'errors %', side: 'right', log: false },
];
