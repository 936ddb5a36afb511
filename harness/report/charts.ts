/**
 * Chart data for report.html: the series of both variants aligned on one time axis (seconds since each
 * variant's load start, so the phases line up), ready for uPlot. The browser side (chart-client.js) only maps
 * these specs to uPlot options, so all data decisions stay here, in typed and tested code.
 */
import type { PhaseName, ReportInput, VariantName } from '../incident/types.ts';
import { VARIANTS } from './model.ts';

export type Unit = 'ms' | 'rps' | 'pct' | 'bytes_s' | 'blocks_s';

export interface ChartSeries {
  label: string;
  /** what the colour stands for: a variant, or a tenant group in the timeline */
  variant: string;
  color: string;
  /** dashed for the second metric of a chart, so colour keeps meaning "variant" */
  dash: boolean;
  scale: Unit;
  values: (number | null)[];
  /** the area under the line, for a backdrop series (DB temp bytes behind latencies) */
  fill?: string;
}

export interface ChartAxis {
  scale: Unit;
  label: string;
  side: 'left' | 'right';
  log: boolean;
}

export interface PhaseMark {
  name: PhaseName | string;
  start_s: number;
  end_s: number;
  /** drawn instead of the name (e.g. with the post-mortem's clock time) */
  label?: string;
  /** the band's colour when the name has none of its own */
  fill?: string;
}

export interface ChartSpec {
  id: string;
  title: string;
  description: string;
  x: number[];
  series: ChartSeries[];
  axes: ChartAxis[];
  /** shaded bands */
  phases: PhaseMark[];
  /** the other variant's phase boundaries when they differ from the bands (drawn as dashed lines) */
  otherPhases: { variant: VariantName; marks: PhaseMark[] } | null;
  /** why the chart is not drawn; null when it has data */
  empty: string | null;
  /** the x axis' label (default: seconds since load start) */
  xLabel?: string;
}

export const VARIANT_COLORS: Record<VariantName, string> = { before: '#d9480f', after: '#1971c2' };

type Getter<P> = (p: P) => number | null | undefined;
interface SeriesDef<P> {
  variant: VariantName;
  metric: string;
  points: P[];
  t: (p: P) => number;
  get: Getter<P>;
  scale: Unit;
  dash: boolean;
}

/** t_s from two sources (load buckets, DB samples) rarely match to the bit; millisecond keys merge them. */
const key = (t: number) => Math.round(t * 1000);

function align<P>(defs: SeriesDef<P>[]): { x: number[]; series: ChartSeries[] } {
  const xs = new Set<number>();
  for (const d of defs) for (const p of d.points) if (Number.isFinite(d.t(p))) xs.add(key(d.t(p)));
  const sorted = [...xs].sort((a, b) => a - b);
  const index = new Map(sorted.map((k, i) => [k, i]));
  const series: ChartSeries[] = [];
  for (const d of defs) {
    const values: (number | null)[] = new Array(sorted.length).fill(null);
    for (const p of d.points) {
      const v = d.get(p);
      const i = index.get(key(d.t(p)));
      if (i !== undefined && typeof v === 'number' && Number.isFinite(v)) values[i] = v;
    }
    // a series without a single value only adds a legend entry that says nothing
    if (values.some((v) => v !== null)) {
      series.push({ label: `${d.variant} ${d.metric}`, variant: d.variant, color: VARIANT_COLORS[d.variant], dash: d.dash, scale: d.scale, values });
    }
  }
  return { x: sorted.map((k) => k / 1000), series };
}

/** Log scale when latencies span orders of magnitude (10 ms vs 10 s would flatten the fast variant to zero);
 * only possible when every value is positive. */
function wantsLog(series: ChartSeries[]): boolean {
  const vals = series.flatMap((s) => s.values).filter((v): v is number => v !== null);
  if (vals.length === 0 || vals.some((v) => v <= 0)) return false;
  return Math.max(...vals) / Math.min(...vals) >= 20;
}

function samePhases(a: PhaseMark[], b: PhaseMark[]): boolean {
  return a.length === b.length && a.every((p, i) => p.name === b[i].name && Math.abs(p.start_s - b[i].start_s) <= 1 && Math.abs(p.end_s - b[i].end_s) <= 1);
}

export function buildCharts(input: ReportInput): ChartSpec[] {
  const present = VARIANTS.filter((v) => input.series?.[v] !== undefined);
  const load = (v: VariantName) => input.series[v]?.load ?? [];
  const db = (v: VariantName) => input.series[v]?.db ?? [];

  const withPhases = present.filter((v) => (input.series[v]?.phases ?? []).length > 0);
  const phases = withPhases.length ? input.series[withPhases[0]]!.phases : [];
  const second = withPhases[1];
  const otherPhases = second && !samePhases(phases, input.series[second]!.phases) ? { variant: second, marks: input.series[second]!.phases } : null;

  const chart = (id: string, title: string, description: string, x: number[], series: ChartSeries[], axes: ChartAxis[], emptyReason: string): ChartSpec => ({
    id,
    title,
    description,
    x,
    series,
    axes: axes.filter((a) => series.some((s) => s.scale === a.scale)),
    phases,
    otherPhases,
    empty: series.length === 0 || x.length === 0 ? emptyReason : null,
  });

  const noLoad = present.length === 0 ? 'No time series were recorded for this run.' : 'No load samples were recorded.';
  const noDb = present.length === 0 ? 'No time series were recorded for this run.' : 'No DB statistics samples were recorded.';

  const sd = <P extends { t_s: number }>(variant: VariantName, metric: string, points: P[], get: Getter<P>, scale: Unit, dash = false): SeriesDef<P> => ({
    variant,
    metric,
    points,
    t: (p) => p.t_s,
    get,
    scale,
    dash,
  });
  const p95 = align(present.map((v) => sd(v, 'product-list p95', load(v), (p) => p.product_list_p95_ms, 'ms')));
  const thr = align([
    ...present.map((v) => sd(v, 'requests/s', load(v), (p) => p.rps, 'rps')),
    // percent on the axis: people read "3 %" faster than "0.03"
    ...present.map((v) => sd(v, 'errors %', load(v), (p) => p.error_rate * 100, 'pct', true)),
  ]);
  const dbio = align([
    ...present.map((v) => sd(v, 'temp bytes/s', db(v), (p) => p.temp_bytes_per_s, 'bytes_s')),
    ...present.map((v) => sd(v, 'blocks read/s', db(v), (p) => p.blks_read_per_s, 'blocks_s', true)),
  ]);
  const os = align([
    ...present.map((v) => sd(v, 'OS read bytes/s', db(v), (p) => p.os_read_bytes_per_s, 'bytes_s')),
    ...present.map((v) => sd(v, 'OS write bytes/s', db(v), (p) => p.os_write_bytes_per_s, 'bytes_s', true)),
  ]);

  const charts = [
    chart('chart-p95', 'Product-list p95 latency', 'p95 of product-list requests per time bucket; gaps are buckets without completed product-list requests.', p95.x, p95.series,
      [{ scale: 'ms', label: 'p95', side: 'left', log: wantsLog(p95.series) }], noLoad),
    chart('chart-throughput', 'Throughput and errors', 'Requests per second (solid) and error rate (dashed) per time bucket.', thr.x, thr.series,
      [{ scale: 'rps', label: 'requests/s', side: 'left', log: false }, { scale: 'pct', label: 'errors %', side: 'right', log: false }], noLoad),
    chart('chart-db', 'Database temporary files and disk reads', 'Bytes written to temporary files per second (solid) and blocks read from disk or OS cache per second (dashed).', dbio.x, dbio.series,
      [{ scale: 'bytes_s', label: 'temp bytes/s', side: 'left', log: false }, { scale: 'blocks_s', label: 'blocks read/s', side: 'right', log: false }], noDb),
  ];
  // the OS counters are optional (external database): no chart rather than an empty one when absent
  if (os.series.length) {
    charts.push(chart('chart-os', 'Database server OS I/O', 'Bytes the database server processes read (solid) and wrote (dashed) per second, from /proc.', os.x, os.series,
      [{ scale: 'bytes_s', label: 'bytes/s', side: 'left', log: false }], noDb));
  }
  return charts;
}
