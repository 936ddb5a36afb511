import { wantsLog, type ChartSeries, type ChartSpec, type Unit, type XAxis } from '../report/chart-spec.ts';
import { legendKeys, writeReportPage } from '../report/write.ts';
import { buildTimelineModel } from './report-model.ts';
import type { PeriodName, Tenant, TimelinePoint, TimelineSeries, TimelineSummary } from './types.ts';
import type { DayVerdict } from './diagnose.ts';

export interface TimelineReportInput {
  summary: TimelineSummary;
  series: TimelineSeries;
}

/** Colour means tenant group here; the incident report's orange and blue mean variant, so they are not reused. */
export const TENANT_COLORS: Record<Tenant, string> = { hot: '#c2255c', others: '#0c8599' };
const TEMP_COLOR = '#868e96';

/** calm to alarming and back: the bands say at a glance how the platform fared */
const PERIOD_FILL: Record<PeriodName, string> = {
  normal: 'rgba(47,158,68,0.07)',
  tripled: 'rgba(224,49,49,0.10)',
  reroute: 'rgba(224,49,49,0.14)',
  'all-primary': 'rgba(224,49,49,0.18)',
  'access-cut': 'rgba(73,80,87,0.10)',
  queue: 'rgba(240,140,0,0.10)',
  'shop-disabled': 'rgba(112,72,232,0.08)',
  fixed: 'rgba(47,158,68,0.12)',
};

/** One series over the day's buckets; none when it has no value at all (a legend entry that says nothing). */
/** The whole day on one axis: to the last period's end, or the last point when no period was recorded. */
function dayAxis(periods: { end_s: number }[], pts: TimelinePoint[]): XAxis {
  const max = periods.at(-1)?.end_s ?? Math.max(1, ...pts.map((p) => p.t_s));
  return { name: 'time', label: 'seconds since the day started', unit: 's', log: false, min: 0, max };
}

function daySeries(
  points: TimelinePoint[],
  label: string,
  color: string,
  scale: Unit,
  dash: boolean,
  get: (p: TimelinePoint) => number | null,
): ChartSeries[] {
  const values = points.map(get);
  if (!values.some((v) => v !== null)) return [];
  return [{ label, color, dash, points: false, scale, x: points.map((p) => p.t_s), values }];
}

/** One chart of the whole day: p95 and errors per tenant group, the DB's temp bytes beside them, periods shaded. */
export function timelineChart(input: TimelineReportInput): ChartSpec {
  const pts = input.series.points;
  const p95 = [
    ...daySeries(pts, 'hot p95', TENANT_COLORS.hot, 'ms', false, (p) => p.hot_p95_ms),
    ...daySeries(pts, 'others p95', TENANT_COLORS.others, 'ms', false, (p) => p.others_p95_ms),
  ];
  const series = [
    ...p95,
    ...daySeries(pts, 'hot errors %', TENANT_COLORS.hot, 'pct', true, (p) => p.hot_error_pct),
    ...daySeries(pts, 'others errors %', TENANT_COLORS.others, 'pct', true, (p) => p.others_error_pct),
    ...daySeries(pts, 'DB temp bytes/s', TEMP_COLOR, 'bytes_s', false, (p) => p.temp_bytes_per_s),
  ];
  const periods = input.summary.periods;
  const axes: ChartSpec['axes'] = [
    // milliseconds of the other shops next to the hot shop's 10 s timeouts: only a log scale shows both
    { scale: 'ms', label: 'p95', side: 'left', log: wantsLog(p95) },
    { scale: 'pct', label: 'errors %', side: 'right', log: false },
    { scale: 'bytes_s', label: 'DB temp bytes/s', side: 'right', log: false },
  ];
  return {
    id: 'chart-timeline',
    title: 'The incident day',
    description: `p95 (solid) and failed share (dashed) of the pages each group sent per ${input.series.bucket_s} s, queue pages left out; grey: the database's temporary-file writes.`,
    xAxis: dayAxis(periods, pts),
    series,
    axes: axes.filter((a) => series.some((s) => s.scale === a.scale)),
    bands: periods.map((p) => ({
      label: `${p.clock}${p.time_assumed ? ' (time assumed)' : ''} ${p.name}`,
      start: p.start_s,
      end: p.end_s,
      fill: PERIOD_FILL[p.name],
    })),
    marks: null,
    empty: series.length ? null : 'No time series were recorded for this run.',
    wide: true,
  };
}

const VERDICT_FILL = {
  cause: 'rgba(207, 34, 46, 0.22)',
  stressed: 'rgba(240, 140, 0, 0.22)',
  busy: 'rgba(240, 200, 0, 0.16)',
} as const;

/**
 * The live diagnosis as a band under the day's chart: statements running on average per verdict, the stretches
 * where it named a cause shaded red (stressed without a cause orange, busy yellow), on the same time axis.
 */
export function diagnoseChart(input: TimelineReportInput): ChartSpec | null {
  if (!input.series.diagnose) return null;
  const end = input.summary.periods.at(-1)?.end_s ?? Infinity;
  // the watch starts with the load, a few seconds before the day: the chart shows the day's clock only
  const verdicts = input.series.diagnose.filter((v) => v.t_s >= 0 && v.t_s <= end);
  const kind = (v: DayVerdict) => (v.cause ? 'cause' : v.state === 'quiet' ? null : v.state);
  const bands: ChartSpec['bands'] = [];
  for (let i = 0; i < verdicts.length; i++) {
    const k = kind(verdicts[i]);
    if (k === null) continue;
    let j = i;
    while (j + 1 < verdicts.length && kind(verdicts[j + 1]) === k && verdicts[j + 1].cause === verdicts[i].cause) j++;
    const v = verdicts[i];
    const label = k === 'cause' ? `cause: ${v.cause} (${v.tenant ?? 'tenant unknown'})` : k;
    bands.push({
      // each kind of verdict labelled where it first shows: a flickering verdict would stack its labels
      label: bands.some((b) => b.label === label) ? '' : label,
      start: v.t_s,
      end: verdicts[j + 1]?.t_s ?? v.t_s + (input.summary.diagnose?.interval_s ?? 1),
      fill: VERDICT_FILL[k],
    });
    i = j;
  }
  const series: ChartSeries[] = [
    {
      label: 'statements running (diagnose)',
      color: '#6e7781',
      dash: false,
      points: false,
      scale: 'count',
      x: verdicts.map((v) => v.t_s),
      values: verdicts.map((v) => v.running_avg),
    },
  ];
  const periods = input.summary.periods;
  return {
    id: 'chart-diagnose',
    title: 'What diagnose said, on the same clock',
    description:
      'Statements running on average over its window, per verdict; red where it named a cause (the label says which, and whose), orange stressed, yellow busy.',
    xAxis: {
      name: 'time',
      label: 'seconds since the day started',
      unit: 's',
      log: false,
      min: 0,
      max: Number.isFinite(end) ? end : Math.max(1, ...verdicts.map((v) => v.t_s)),
    },
    series,
    axes: [{ scale: 'count', label: 'statements running', side: 'left', log: false }],
    bands,
    marks: { color: '#24292f', at: periods.map((p) => p.start_s) },
    empty: verdicts.length ? null : 'diagnose gave no verdict during this run.',
    wide: true,
  };
}

const readsOf = (p: TimelineSummary['periods'][number] | undefined) => p?.servers?.find((s) => s.reads)?.name ?? 'n/a';

const SERVER_COLORS = ['#343a40', '#e8590c', '#1971c2', '#2f9e44', '#9c36b5', '#f08c00'];

/**
 * Which server carries the load: each server's temporary-file writes over the day, the periods shaded and
 * labelled with the server the GET pages read from. None on one server.
 */
export function serversChart(input: TimelineReportInput): ChartSpec | null {
  const servers = input.summary.topology?.servers ?? [];
  if (servers.length < 2) return null;
  const pts = input.series.points;
  const series = servers.flatMap((s, i) =>
    daySeries(
      pts,
      `${s.name} temp bytes/s`,
      SERVER_COLORS[i % SERVER_COLORS.length],
      'bytes_s',
      s.role === 'replica',
      (p) => p.servers?.[s.name] ?? null,
    ),
  );
  const periods = input.summary.periods;
  return {
    id: 'chart-servers',
    title: 'Which server carries the load',
    description: `Bytes written per second by each server's processes (its spills, from /proc as written) (the primary solid, replicas dashed), per ${input.series.bucket_s} s; a band's label names the server the GET pages read from from then on.`,
    xAxis: dayAxis(periods, pts),
    series,
    axes: [{ scale: 'bytes_s', label: 'temp bytes/s', side: 'left', log: false }],
    // labelled where the reads move, so narrow periods do not stack their labels
    bands: periods.map((p, i) => ({
      label: readsOf(p) === readsOf(periods[i - 1]) ? '' : `${p.name}: reads on ${readsOf(p)}`,
      start: p.start_s,
      end: p.end_s,
      fill: PERIOD_FILL[p.name],
    })),
    marks: null,
    empty: series.length ? null : 'No server recorded temporary-file writes in this run.',
    wide: true,
  };
}

export async function writeTimelineReport(dir: string, input: TimelineReportInput): Promise<void> {
  const legend = legendKeys([
    { color: TENANT_COLORS.hot, label: 'hot shop' },
    { color: TENANT_COLORS.others, label: 'other shops' },
    { color: TEMP_COLOR, label: 'DB temp bytes/s' },
  ]);
  writeReportPage(dir, {
    model: buildTimelineModel(input.summary),
    charts: [timelineChart(input), serversChart(input), diagnoseChart(input)].filter((c): c is ChartSpec => c !== null),
    chartsIntro: `Shaded bands are the post-mortem's periods, labelled with its clock times (UTC, 2026-06-29). Colours:${legend}`,
    mdClosing: 'The timeline chart (p95, errors and DB temp bytes over the day) is in report.html.',
  });
}
