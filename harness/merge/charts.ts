// The merged incident run's charts, as the incident replay draws its own (p95, throughput and errors per second),
// over the whole merged time range with the phases shaded. One colour: a merge has no variants, and the colours
// of the variants would claim one. The database chart stays, empty, saying why: a split run has no samples.
import {
  THROUGHPUT_AXES,
  lineSeries,
  phaseBands,
  timeCharts,
  wantsLog,
  type ChartSeries,
  type ChartSpec,
  type TimeWindow,
} from '../report/chart-spec.ts';
import type { MergedSeries } from './series.ts';

export const MERGED_COLOR = '#5f3dc4';

export const NO_DB_SAMPLES =
  'A split run has no database samples: the instances ran apart from the harness, so nothing sampled the database.';

/** A value whose neighbours are both gaps has no line to sit on: such a series gets a dot on every value. */
function dotIsolated(series: ChartSeries[]): ChartSeries[] {
  return series.map((s) => {
    const isolated = s.values.some(
      (v, i) => v !== null && (s.values[i - 1] ?? null) === null && (s.values[i + 1] ?? null) === null,
    );
    return isolated ? { ...s, points: true } : s;
  });
}

export function buildMergedCharts(series: MergedSeries): ChartSpec[] {
  const w: TimeWindow = [0, series.range_s];
  const pts = series.points;
  const line = (
    label: string,
    get: (p: (typeof pts)[number]) => number | null,
    scale: 'ms' | 'rps' | 'pct',
    dash = false,
  ) => dotIsolated(lineSeries(label, MERGED_COLOR, pts, get, scale, w, dash));
  const p95 = [
    ...line('product-list p95', (p) => p.product_list_p95_ms, 'ms'),
    ...line('all requests p95', (p) => p.p95_ms, 'ms', true),
  ];
  const noLoad = 'No requests were recorded in the merged files.';
  const charts = timeCharts(
    [
      {
        id: 'chart-p95',
        title: 'p95 latency',
        description:
          'p95 per second of product-list requests (solid) and of all requests (dashed), over every instance; gaps are seconds without such requests.',
        series: p95,
        axes: [{ scale: 'ms', label: 'p95', side: 'left', log: wantsLog(p95) }],
        ifEmpty: noLoad,
      },
      {
        id: 'chart-throughput',
        title: 'Throughput and errors',
        description: 'Requests sent per second (solid) and the failed share (dashed), over every instance.',
        // percent on the axis, as the incident replay's: people read "3 %" faster than "0.03"
        series: [
          ...line('requests/s', (p) => p.rps, 'rps'),
          ...line('errors %', (p) => (p.error_rate === null ? null : p.error_rate * 100), 'pct', true),
        ],
        axes: THROUGHPUT_AXES,
        ifEmpty: noLoad,
      },
      {
        id: 'chart-db',
        title: 'Database temporary files and disk reads',
        description: 'What load:incident samples from the database while it replays.',
        series: [],
        axes: [],
        ifEmpty: NO_DB_SAMPLES,
      },
    ],
    w,
    { bands: phaseBands(series.phases), marks: null },
  );
  // one clock for all instances: the merged run's start, not a load step's
  return charts.map((c) => ({ ...c, xAxis: { ...c.xAxis, label: "seconds since the merged run's start" } }));
}
