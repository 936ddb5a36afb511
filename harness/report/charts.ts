/**
 * The incident report's charts: both variants on one time axis (seconds since each variant's load start, so
 * the phases line up), over the load window only, so all four charts show the same stretch of time.
 */
import type { PhaseMark, ReportInput, VariantName } from '../incident/types.ts';
import { VARIANT_COLORS, wantsLog, type Band, type ChartAxis, type ChartSeries, type ChartSpec, type Unit } from './chart-spec.ts';
import { VARIANTS } from './sections/context.ts';

const PHASE_FILL: Record<string, string> = { baseline: 'rgba(47,158,68,0.07)', ramp: 'rgba(240,140,0,0.09)', tripled: 'rgba(224,49,49,0.08)' };

type Window = [number, number];

/**
 * One variant's figure over the window. Each series keeps its own time stamps: the load buckets and the two
 * variants' DB samples run on different clocks, and merging them into one axis here would put a hole into
 * every series wherever another one had a sample (the DB charts once drew nothing for that reason).
 */
function series<P extends { t_s: number }>(variant: VariantName, metric: string, points: P[], get: (p: P) => number | null | undefined, scale: Unit, [lo, hi]: Window, dash = false): ChartSeries[] {
  const inside = points.filter((p) => p.t_s >= lo && p.t_s <= hi);
  const values = inside.map((p) => {
    const v = get(p);
    return typeof v === 'number' && Number.isFinite(v) ? v : null;
  });
  // a series without a single value only adds a legend entry that says nothing
  if (!values.some((v) => v !== null)) return [];
  return [{ label: `${variant} ${metric}`, color: VARIANT_COLORS[variant], dash, points: false, scale, x: inside.map((p) => p.t_s), values }];
}

function samePhases(a: PhaseMark[], b: PhaseMark[]): boolean {
  return a.length === b.length && a.every((p, i) => p.name === b[i].name && Math.abs(p.start_s - b[i].start_s) <= 1 && Math.abs(p.end_s - b[i].end_s) <= 1);
}

/** From the first phase's start to the last phase's end over both variants; samples after it (requests
 * still finishing) are not load. Without phases (a broken file), whatever the data spans. */
function loadWindow(input: ReportInput, present: VariantName[]): Window {
  const phases = present.flatMap((v) => input.series[v]!.phases);
  if (phases.length) return [Math.min(...phases.map((p) => p.start_s)), Math.max(...phases.map((p) => p.end_s))];
  const ts = present.flatMap((v) => [...input.series[v]!.load, ...input.series[v]!.db].map((p) => p.t_s));
  return ts.length ? [Math.min(0, ...ts), Math.max(1, ...ts)] : [0, 1];
}

/** Bands for the first variant's phases; the second's starts as dashed lines in its colour when they differ. */
function phaseDecor(input: ReportInput, present: VariantName[]): Pick<ChartSpec, 'bands' | 'marks'> {
  const withPhases = present.filter((v) => input.series[v]!.phases.length > 0);
  const phases = withPhases.length ? input.series[withPhases[0]]!.phases : [];
  const second = withPhases[1];
  const other = second && !samePhases(phases, input.series[second]!.phases) ? input.series[second]!.phases : null;
  return {
    bands: phases.map((p): Band => ({ label: p.name, start: p.start_s, end: p.end_s, fill: PHASE_FILL[p.name] ?? 'rgba(0,0,0,0.04)' })),
    marks: other ? { color: VARIANT_COLORS[second], at: other.map((p) => p.start_s) } : null,
  };
}

interface Chart {
  id: string;
  title: string;
  description: string;
  series: ChartSeries[];
  axes: ChartAxis[];
  /** what the box says when no series has a value */
  ifEmpty: string;
}

export function buildCharts(input: ReportInput): ChartSpec[] {
  const present = VARIANTS.filter((v) => input.series?.[v] !== undefined);
  const w = loadWindow(input, present);
  const load = (v: VariantName) => input.series[v]!.load;
  const db = (v: VariantName) => input.series[v]!.db;
  const each = (f: (v: VariantName) => ChartSeries[]) => present.flatMap(f);
  const noLoad = present.length === 0 ? 'No time series were recorded for this run.' : 'No load samples were recorded.';
  const noDb = present.length === 0 ? 'No time series were recorded for this run.' : 'No DB statistics samples were recorded.';

  const p95 = each((v) => series(v, 'product-list p95', load(v), (p) => p.product_list_p95_ms, 'ms', w));
  const charts: Chart[] = [
    {
      id: 'chart-p95', title: 'Product-list p95 latency', description: 'p95 of product-list requests per time bucket; gaps are buckets without completed product-list requests.',
      series: p95, axes: [{ scale: 'ms', label: 'p95', side: 'left', log: wantsLog(p95) }], ifEmpty: noLoad,
    },
    {
      id: 'chart-throughput', title: 'Throughput and errors', description: 'Requests per second (solid) and error rate (dashed) per time bucket.',
      // percent on the axis: people read "3 %" faster than "0.03"
      series: [...each((v) => series(v, 'requests/s', load(v), (p) => p.rps, 'rps', w)), ...each((v) => series(v, 'errors %', load(v), (p) => p.error_rate * 100, 'pct', w, true))],
      axes: [{ scale: 'rps', label: 'requests/s', side: 'left', log: false }, { scale: 'pct', label: 'errors %', side: 'right', log: false }], ifEmpty: noLoad,
    },
    {
      id: 'chart-db', title: 'Database temporary files and disk reads', description: 'Bytes written to temporary files per second (solid) and blocks read from disk or OS cache per second (dashed).',
      series: [...each((v) => series(v, 'temp bytes/s', db(v), (p) => p.temp_bytes_per_s, 'bytes_s', w)), ...each((v) => series(v, 'blocks read/s', db(v), (p) => p.blks_read_per_s, 'blocks_s', w, true))],
      axes: [{ scale: 'bytes_s', label: 'temp bytes/s', side: 'left', log: false }, { scale: 'blocks_s', label: 'blocks read/s', side: 'right', log: false }], ifEmpty: noDb,
    },
  ];
  const os = [...each((v) => series(v, 'OS read bytes/s', db(v), (p) => p.os_read_bytes_per_s, 'bytes_s', w)), ...each((v) => series(v, 'OS write bytes/s', db(v), (p) => p.os_write_bytes_per_s, 'bytes_s', w, true))];
  // the OS counters are optional (external database): no chart rather than an empty one when absent
  if (os.length) {
    charts.push({
      id: 'chart-os', title: 'Database server OS I/O', description: 'Bytes the database server processes read (solid) and wrote (dashed) per second, from /proc.',
      series: os, axes: [{ scale: 'bytes_s', label: 'bytes/s', side: 'left', log: false }], ifEmpty: noDb,
    });
  }

  const decor = phaseDecor(input, present);
  return charts.map(({ ifEmpty, ...c }) => ({
    ...c,
    xAxis: { name: 'time', label: 'seconds since load start', unit: 's', log: false, min: w[0], max: w[1] },
    axes: c.axes.filter((a) => c.series.some((s) => s.scale === a.scale)),
    ...decor,
    empty: c.series.length ? null : ifEmpty,
  }));
}
