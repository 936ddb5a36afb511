// Reads back from the page what every uPlot chart actually plotted and checks it against the data files, so a
// chart that draws nothing (or only a corner of the run) fails a test instead of a reader's eyes.
import type { Page } from 'playwright-core';
import type { IncidentSeries, VariantName } from '../../harness/incident/types.ts';
import type { CapacityResult } from '../../harness/capacity/types.ts';
import type { TimelineSeries } from '../../harness/timeline/types.ts';

/** One series as uPlot holds it: y is null for a gap (uPlot breaks the line) and 'skip' for undefined (spanned). */
export interface PlottedSeries {
  label: string;
  show: boolean;
  spanGaps: boolean;
  /** whether uPlot draws a dot on every value (so an isolated value is visible too) */
  points: boolean;
  y: (number | null | 'skip')[];
  scaleMin: number;
  scaleMax: number;
}

export interface PlottedChart {
  id: string;
  drawn: string | null;
  x: number[];
  xMin: number;
  xMax: number;
  series: PlottedSeries[];
}

/** Every uPlot instance the page registered in window.__charts, as plain data. */
export async function readPlotted(page: Page): Promise<PlottedChart[]> {
  return (await page.evaluate(`Object.entries(window.__charts || {}).map(([id, u]) => ({
    id,
    drawn: document.getElementById(id) ? document.getElementById(id).getAttribute('data-drawn') : null,
    x: Array.from(u.data[0]),
    xMin: u.scales.x.min,
    xMax: u.scales.x.max,
    series: u.series.slice(1).map((s, i) => ({
      label: s.label,
      show: s.show !== false,
      spanGaps: Boolean(s.spanGaps),
      // uPlot turns points.show into a function (by default: dots only where they have room)
      points: typeof s.points.show === 'function' ? s.points.show(u, i + 1) === true : s.points.show === true,
      y: Array.from(u.data[i + 1], (v) => (v === undefined ? 'skip' : v)),
      scaleMin: u.scales[s.scale].min,
      scaleMax: u.scales[s.scale].max,
    })),
  }))`)) as PlottedChart[];
}

/**
 * The values uPlot draws a mark for: a value joined by a line to its nearest non-skipped neighbour (a null
 * there breaks the line), or any value when the series shows dots. An isolated value without a dot is
 * invisible, which is how the DB charts once showed nothing.
 */
export function drawnPoints(x: number[], s: PlottedSeries): { x: number; y: number }[] {
  const isGap = (v: number | null | 'skip') => v === 'skip' || (s.spanGaps && v === null);
  const neighbour = (i: number, dir: 1 | -1) => {
    for (let j = i + dir; j >= 0 && j < s.y.length; j += dir) if (!isGap(s.y[j])) return s.y[j];
    return undefined;
  };
  const out: { x: number; y: number }[] = [];
  s.y.forEach((v, i) => {
    if (typeof v !== 'number') return;
    if (s.points || typeof neighbour(i, -1) === 'number' || typeof neighbour(i, 1) === 'number')
      out.push({ x: x[i], y: v });
  });
  return out;
}

export interface ExpectedSeries {
  chart: string;
  label: string;
  /** the data file's values on the chart's x axis; null where the file has none */
  points: { x: number; y: number | null }[];
}

export interface CheckOptions {
  /** the x range the charts must show: the load's phases, or the measured dates */
  window: [number, number];
  /** 'exact': the x scale is the window; 'contains': it may be wider (a log axis rounded to powers of 10) */
  xRange: 'exact' | 'contains';
  /** drawn marks must fall into each of this many equal parts of the window; 0 = every expected point drawn */
  bins: number;
}

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));

function checkOne(chart: PlottedChart, e: ExpectedSeries, o: CheckOptions, problems: string[]): void {
  const where = `${e.chart} "${e.label}"`;
  const s = chart.series.find((p) => p.label === e.label);
  if (!s?.show) return void problems.push(`${where}: not plotted`);
  const [lo, hi] = o.window;
  const drawn = drawnPoints(chart.x, s).filter((p) => p.x >= lo && p.x <= hi);
  const want = e.points.filter((p): p is { x: number; y: number } => p.y !== null && p.x >= lo && p.x <= hi);
  if (drawn.length === 0)
    return void problems.push(`${where}: nothing drawn in ${lo}..${hi} (${want.length} values in the file)`);
  if (o.bins > 0) {
    const width = (hi - lo) / o.bins;
    const empty = Array.from({ length: o.bins }, (_, b) => b).filter(
      (b) => !drawn.some((p) => p.x >= lo + b * width && (b === o.bins - 1 ? p.x <= hi : p.x < lo + (b + 1) * width)),
    );
    if (empty.length)
      problems.push(
        `${where}: nothing drawn in ${empty.map((b) => `${(lo + b * width).toFixed(1)}..${(lo + (b + 1) * width).toFixed(1)}`).join(', ')} of ${lo}..${hi}`,
      );
  } else {
    const missing = want.filter((w) => !drawn.some((p) => close(p.x, w.x) && close(p.y, w.y)));
    if (missing.length) problems.push(`${where}: not drawn: ${missing.map((m) => `(${m.x}, ${m.y})`).join(', ')}`);
  }
  const maxDrawn = Math.max(...drawn.map((p) => p.y));
  const maxFile = Math.max(...want.map((p) => p.y));
  if (!close(maxDrawn, maxFile)) problems.push(`${where}: maximum drawn ${maxDrawn}, in the file ${maxFile}`);
  const minDrawn = Math.min(...drawn.map((p) => p.y));
  if (s.scaleMin > minDrawn || s.scaleMax < maxDrawn)
    problems.push(`${where}: y scale ${s.scaleMin}..${s.scaleMax} cuts off ${minDrawn}..${maxDrawn}`);
}

/** Every problem found, as lines; an empty list means every chart shows what its data file holds. */
export function checkCharts(plotted: PlottedChart[], expected: ExpectedSeries[], o: CheckOptions): string[] {
  const problems: string[] = [];
  for (const id of [...new Set(expected.map((e) => e.chart))]) {
    const chart = plotted.find((c) => c.id === id);
    if (!chart) {
      problems.push(`${id}: no chart on the page`);
      continue;
    }
    if (chart.drawn !== 'true') problems.push(`${id}: data-drawn is ${chart.drawn}`);
    const [lo, hi] = o.window;
    const xOk =
      o.xRange === 'exact' ? close(chart.xMin, lo) && close(chart.xMax, hi) : chart.xMin <= lo && chart.xMax >= hi;
    if (!xOk) problems.push(`${id}: x scale ${chart.xMin}..${chart.xMax}, the data spans ${lo}..${hi}`);
    const labels = expected.filter((e) => e.chart === id).map((e) => e.label);
    const extra = chart.series.map((s) => s.label).filter((l) => !labels.includes(l));
    if (extra.length) problems.push(`${id}: series nobody expected: ${extra.join(', ')}`);
    for (const e of expected.filter((x) => x.chart === id)) checkOne(chart, e, o, problems);
  }
  return problems;
}

const VARIANTS: VariantName[] = ['before', 'after'];

/**
 * What report.html must draw, written from series.json's fields (not from the report's own chart code): one
 * series per variant and figure that has any value.
 */
export function incidentExpectations(series: IncidentSeries): ExpectedSeries[] {
  const out: ExpectedSeries[] = [];
  for (const v of VARIANTS) {
    const s = series[v];
    if (!s) continue;
    const add = <P extends { t_s: number }>(
      chart: string,
      metric: string,
      points: P[],
      get: (p: P) => number | null,
    ) => {
      const pts = points.map((p) => ({ x: p.t_s, y: get(p) }));
      if (pts.some((p) => p.y !== null)) out.push({ chart, label: `${v} ${metric}`, points: pts });
    };
    add('chart-p95', 'product-list p95', s.load, (p) => p.product_list_p95_ms);
    add('chart-throughput', 'requests/s', s.load, (p) => p.rps);
    add('chart-throughput', 'errors %', s.load, (p) => (p.error_rate === null ? null : p.error_rate * 100));
    add('chart-db', 'temp bytes/s', s.db, (p) => p.temp_bytes_per_s);
    add('chart-db', 'blocks read/s', s.db, (p) => p.blks_read_per_s);
    add('chart-os', 'OS read bytes/s', s.db, (p) => p.os_read_bytes_per_s);
    add('chart-os', 'OS write bytes/s', s.db, (p) => p.os_write_bytes_per_s);
  }
  return out;
}

/** The load window of a run: from the first phase's start to the last phase's end, over both variants. */
export function phaseWindow(series: IncidentSeries): [number, number] {
  const phases = VARIANTS.flatMap((v) => series[v]?.phases ?? []);
  return [Math.min(...phases.map((p) => p.start_s)), Math.max(...phases.map((p) => p.end_s))];
}

/** What capacity.html must draw: each variant's capacity at every measured size, and its first failing rates. */
export function capacityExpectations(r: CapacityResult): ExpectedSeries[] {
  return VARIANTS.flatMap((v) => {
    const pts = r.points.filter((p) => p.variant === v).sort((a, b) => a.dates - b.dates);
    if (pts.length === 0) return [];
    const series: ExpectedSeries[] = [
      {
        chart: 'capacity-chart',
        label: `${v} capacity`,
        points: pts.map((p) => ({
          x: p.dates,
          y: p.capacity_visitors_per_min > 0 ? p.capacity_visitors_per_min : null,
        })),
      },
      {
        chart: 'capacity-chart',
        label: `${v} first failing rate`,
        points: pts.map((p) => ({ x: p.dates, y: p.first_failing_visitors_per_min })),
      },
    ];
    return series.filter((s) => s.points.some((p) => p.y !== null));
  });
}

/** What a timeline report.html must draw, from its series.json: p95 and errors per tenant group, the DB's temp bytes. */
export function timelineExpectations(series: TimelineSeries, dayS = Infinity): ExpectedSeries[] {
  const fields: [string, keyof Omit<TimelineSeries['points'][number], 't_s' | 'servers'>][] = [
    ['hot p95', 'hot_p95_ms'],
    ['others p95', 'others_p95_ms'],
    ['hot errors %', 'hot_error_pct'],
    ['others errors %', 'others_error_pct'],
    ['DB temp bytes/s', 'temp_bytes_per_s'],
  ];
  return fields
    .map(([label, field]) => ({
      chart: 'chart-timeline',
      label,
      points: series.points.map((p) => ({ x: p.t_s, y: p[field] })),
    }))
    .concat(
      // the platform's chart: each server's temp writes (runs with replicas)
      Object.keys(series.points[0]?.servers ?? {}).map((name) => ({
        chart: 'chart-servers',
        label: `${name} temp bytes/s`,
        points: series.points.map((p) => ({ x: p.t_s, y: p.servers?.[name] ?? null })),
      })),
    )
    .concat(
      series.diagnose
        ? [
            {
              chart: 'chart-diagnose',
              label: 'statements running (diagnose)',
              points: series.diagnose
                .filter((v) => v.t_s >= 0 && v.t_s <= dayS)
                .map((v) => ({ x: v.t_s, y: v.running_avg })),
            },
          ]
        : [],
    )
    .filter((e) => e.points.some((p) => p.y !== null));
}
