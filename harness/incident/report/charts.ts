/**
 * The incident report's charts: both variants on one time axis (seconds since each variant's load start, so
 * the phases line up), over the load window only, so all four charts show the same stretch of time.
 */
import type { ReportInput, VariantName } from '../types.ts';
import {
  THROUGHPUT_AXES,
  phaseDecor,
  timeCharts,
  timeSeries as series,
  wantsLog,
  type ChartSeries,
  type ChartSpec,
  type TimeChart,
  type TimeWindow,
} from '../../report/chart-spec.ts';
import { VARIANTS } from './sections/context.ts';

/** From the first phase's start to the last phase's end over both variants; samples after it (requests
 * still finishing) are not load. Without phases (a broken file), whatever the data spans. */
function loadWindow(input: ReportInput, present: VariantName[]): TimeWindow {
  const phases = present.flatMap((v) => input.series[v]!.phases);
  if (phases.length) return [Math.min(...phases.map((p) => p.start_s)), Math.max(...phases.map((p) => p.end_s))];
  const ts = present.flatMap((v) => [...input.series[v]!.load, ...input.series[v]!.db].map((p) => p.t_s));
  return ts.length ? [Math.min(0, ...ts), Math.max(1, ...ts)] : [0, 1];
}

export function buildCharts(input: ReportInput): ChartSpec[] {
  const present = VARIANTS.filter((v) => input.series?.[v] !== undefined);
  const w = loadWindow(input, present);
  const load = (v: VariantName) => input.series[v]!.load;
  const db = (v: VariantName) => input.series[v]!.db;
  const each = (f: (v: VariantName) => ChartSeries[]) => present.flatMap(f);
  const noLoad = present.length === 0 ? 'No time series were recorded for this run.' : 'No load samples were recorded.';
  const noDb =
    present.length === 0 ? 'No time series were recorded for this run.' : 'No DB statistics samples were recorded.';

  const p95 = each((v) => series(v, 'product-list p95', load(v), (p) => p.product_list_p95_ms, 'ms', w));
  const charts: TimeChart[] = [
    {
      id: 'chart-p95',
      title: 'Product-list p95 latency',
      description:
        'p95 of product-list requests per time bucket; gaps are buckets without completed product-list requests.',
      series: p95,
      axes: [{ scale: 'ms', label: 'p95', side: 'left', log: wantsLog(p95) }],
      ifEmpty: noLoad,
    },
    {
      id: 'chart-throughput',
      title: 'Throughput and errors',
      description: 'Requests per second (solid) and error rate (dashed) per time bucket.',
      // percent on the axis: people read "3 %" faster than "0.03"
      series: [
        ...each((v) => series(v, 'requests/s', load(v), (p) => p.rps, 'rps', w)),
        ...each((v) =>
          series(v, 'errors %', load(v), (p) => (p.error_rate === null ? null : p.error_rate * 100), 'pct', w, true),
        ),
      ],
      axes: THROUGHPUT_AXES,
      ifEmpty: noLoad,
    },
    {
      id: 'chart-db',
      title: 'Database temporary files and disk reads',
      description:
        'Bytes written to temporary files per second (solid) and blocks read from disk or OS cache per second (dashed).',
      series: [
        ...each((v) => series(v, 'temp bytes/s', db(v), (p) => p.temp_bytes_per_s, 'bytes_s', w)),
        ...each((v) => series(v, 'blocks read/s', db(v), (p) => p.blks_read_per_s, 'blocks_s', w, true)),
      ],
      axes: [
        { scale: 'bytes_s', label: 'temp bytes/s', side: 'left', log: false },
        { scale: 'blocks_s', label: 'blocks read/s', side: 'right', log: false },
      ],
      ifEmpty: noDb,
    },
  ];
  const os = [
    ...each((v) => series(v, 'OS read bytes/s', db(v), (p) => p.os_read_bytes_per_s, 'bytes_s', w)),
    ...each((v) => series(v, 'OS write bytes/s', db(v), (p) => p.os_write_bytes_per_s, 'bytes_s', w, true)),
  ];
  // the OS counters are optional (external database): no chart rather than an empty one when absent
  if (os.length) {
    charts.push({
      id: 'chart-os',
      title: 'Database server OS I/O',
      description: 'Bytes the database server processes read (solid) and wrote (dashed) per second, from /proc.',
      series: os,
      axes: [{ scale: 'bytes_s', label: 'bytes/s', side: 'left', log: false }],
      ifEmpty: noDb,
    });
  }

  return timeCharts(charts, w, phaseDecor(present.map((v) => [v, input.series[v]!.phases])));
}
