/** report.html's charts of a partition replay: both variants on one time axis, the phases shaded. */
import {
  phaseDecor,
  timeCharts,
  timeSeries,
  VARIANT_COLORS,
  type ChartAxis,
  type ChartSeries,
  type ChartSpec,
  type TimeWindow,
  type Unit,
} from '../../report/chart-spec.ts';
import { legendKeys } from '../../report/write.ts';
import type { PartitionSeries, PartitionSeriesPoint, PartitionVariant } from '../types.ts';
import { PARTITION_VARIANTS } from '../types.ts';

type Get = (p: PartitionSeriesPoint, s: PartitionSeries) => number | null;

/** from the load's start to the end of the recovery over both variants (the last answers of the replay included) */
function replayWindow(series: PartitionSeries[]): TimeWindow {
  const phases = series.flatMap((s) => s.phases);
  return phases.length ? [Math.min(...phases.map((p) => p.start_s)), Math.max(...phases.map((p) => p.end_s))] : [0, 1];
}

export function buildPartitionCharts(series: Partial<Record<PartitionVariant, PartitionSeries>>): ChartSpec[] {
  const present = PARTITION_VARIANTS.filter((v) => series[v] !== undefined);
  const w = replayWindow(present.map((v) => series[v]!));
  const each = (metric: string, get: Get, scale: Unit, dash = false): ChartSeries[] =>
    present.flatMap((v) => timeSeries(v, metric, series[v]!.points, (p) => get(p, series[v]!), scale, w, dash));
  const percent = (rate: number | null) => (rate === null ? null : rate * 100);
  const perSecond =
    (count: (p: PartitionSeriesPoint) => number): Get =>
    (p, s) =>
      count(p) / s.bucket_s;
  const failedAxis: ChartAxis = { scale: 'pct', label: 'failed %', side: 'left', log: false };
  const rateAxis: ChartAxis = { scale: 'rps', label: 'per second', side: 'right', log: false };
  const ifEmpty = 'No time series were recorded for this run.';
  return timeCharts(
    [
      {
        id: 'chart-async',
        title: 'Failed asynchronous actions',
        description:
          'Share of cart adds and checkouts (first tries and retries) that failed, by the time they were sent (solid), and how many were sent per second (dashed).',
        series: [
          ...each('async failed %', (p) => percent(p.async_failed_rate), 'pct'),
          ...each(
            'async actions/s',
            perSecond((p) => p.async_actions),
            'rps',
            true,
          ),
        ],
        axes: [failedAxis, rateAxis],
        ifEmpty,
      },
      {
        id: 'chart-pages',
        title: 'Failed page loads',
        description:
          'Share of calendar and product-list requests that failed (solid), and how many were sent per second (dashed).',
        series: [
          ...each('pages failed %', (p) => percent(p.pages_failed_rate), 'pct'),
          ...each(
            'pages/s',
            perSecond((p) => p.pages),
            'rps',
            true,
          ),
        ],
        axes: [failedAxis, rateAxis],
        ifEmpty,
      },
      {
        id: 'chart-workers',
        title: 'Workers in service',
        description:
          "Web workers in the load balancer's rotation (solid) and task workers taking tasks (dashed). Before the fix a task worker that reaches Redis only keeps taking tasks.",
        series: [
          ...each('web workers in rotation', (p) => p.webs_in_rotation, 'count'),
          ...each('task workers taking tasks', (p) => p.tasks_taking, 'count', true),
        ],
        axes: [{ scale: 'count', label: 'workers', side: 'left', log: false }],
        ifEmpty,
      },
    ],
    w,
    phaseDecor(present.map((v) => [v, series[v]!.phases])),
  );
}

/** the paragraph above the charts: how to read the time axis, and what each colour is (trusted HTML) */
export function chartsIntro(present: PartitionVariant[]): string {
  const keys = legendKeys(
    present.map((v) => ({
      color: VARIANT_COLORS[v],
      label: `${v} (${v === 'before' ? 'task workers ignore their PostgreSQL link' : 'the fix: gated on the link'})`,
    })),
  );
  return `Time is seconds since each variant's load start, so both runs share one axis; shaded bands are the phases.${keys ? ` Colours:${keys}` : ''}`;
}
