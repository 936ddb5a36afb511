import { factsTable, Footnotes, L, R, txt } from '../report/cells.ts';
import type { Cell, Section } from '../report/document.ts';
import { renderReport, type ReportPage } from '../report/write.ts';
import { logRange, VARIANT_COLORS, type ChartSeries, type ChartSpec } from '../report/chart-spec.ts';
import { compareRanges } from './repeats.ts';
import type { CapacityPoint, CapacityResult } from './types.ts';
import { bottleneckText, planMemoryText, soloText, USAGE_HEADERS, usageCells } from './usage-text.ts';

/** a point's range over its repeats; a file from before repeats has its one capacity as a range of width 0 */
export const pointRange = (p: CapacityPoint): [number, number] =>
  p.range ?? [p.capacity_visitors_per_min, p.capacity_visitors_per_min];

/** "5,100 (4,900-5,300)" with repeats, the figure alone without */
export function medianText(p: CapacityPoint): string {
  const [lo, hi] = pointRange(p);
  return p.repeats && p.repeats.length > 1
    ? `${fmt(p.capacity_visitors_per_min)} (${fmt(lo)}-${fmt(hi)})`
    : fmt(p.capacity_visitors_per_min);
}

export const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : String(Math.round(n * 10) / 10));

function byVariant(r: CapacityResult): Map<CapacityPoint['variant'], CapacityPoint[]> {
  const m = new Map<CapacityPoint['variant'], CapacityPoint[]>();
  for (const p of r.points)
    m.set(
      p.variant,
      [...(m.get(p.variant) ?? []), p].sort((a, b) => a.dates - b.dates),
    );
  return m;
}

/** The sentence a planning review needs: what the largest series sustains with the old query and with the fix. */
export function capacityVerdict(r: CapacityResult): string {
  const lines = byVariant(r);
  const largest = Math.max(...r.points.map((p) => p.dates));
  const at = (v: CapacityPoint['variant']) => lines.get(v)?.find((p) => p.dates === largest);
  const before = at('before');
  const after = at('after');
  const slo = `product-list p95 under ${fmt(r.slo.product_list_p95_ms)} ms with under ${(r.slo.max_error_rate * 100).toFixed(0)} % errors`;
  const parts: string[] = [];
  if (before)
    parts.push(
      `With the old query, a shop with ${fmt(largest)} dates sustains ${medianText(before)} visitors/min on this machine (${slo})`,
    );
  if (after)
    parts.push(
      before
        ? `with the fix, ${medianText(after)}: ${beforeAfter(before, after)}`
        : `With the fix, a shop with ${fmt(largest)} dates sustains ${medianText(after)} visitors/min on this machine (${slo})`,
    );
  let text = parts.length ? parts.join('; ') + '.' : 'No point was measured.';
  const smallest = Math.min(...r.points.map((p) => p.dates));
  const bSmall = lines.get('before')?.find((p) => p.dates === smallest);
  if (before && bSmall && smallest !== largest && bSmall.capacity_visitors_per_min > 0) {
    const drop = before.capacity_visitors_per_min / bSmall.capacity_visitors_per_min;
    text += ` The old query's capacity ${drop < 1 ? `falls to ${(drop * 100).toFixed(0)} %` : `changes by ${drop.toFixed(2)}x`} from ${fmt(smallest)} to ${fmt(largest)} dates: it does work for every date of the series on every page view.`;
  }
  return text;
}

/** The only order two points may be told in: from their ranges, never from their medians alone. */
export function beforeAfter(before: CapacityPoint, after: CapacityPoint): string {
  const c = compareRanges(pointRange(after), pointRange(before));
  const n = Math.min(before.repeats?.length ?? 1, after.repeats?.length ?? 1);
  if (c === 'no difference measured') return 'no difference measured (the ranges overlap)';
  if (n < 2) return `the fix ${c === 'higher' ? 'higher' : 'lower'}, one search each`;
  return c === 'higher'
    ? "the fix higher (its lowest figure above the old query's highest)"
    : "the fix lower (its highest figure below the old query's lowest)";
}

/** Capacity against dates on log-log axes, one colour per variant: the same uPlot charts as the incident report. */
export function capacityChart(r: CapacityResult): ChartSpec {
  const series: ChartSeries[] = [];
  const lines = byVariant(r);
  // before, then after, whichever the sweep ran first: legend and colours read the same in every report
  for (const v of ['before', 'after'] as const) {
    const list = lines.get(v);
    if (!list) continue;
    const color = VARIANT_COLORS[v];
    const x = list.map((p) => p.dates);
    // 0 = even the lowest rate tried failed: no point on a log axis, the table says so
    series.push({
      label: `${v} capacity`,
      color,
      dash: false,
      points: true,
      scale: 'per_min',
      x,
      values: list.map((p) => (p.capacity_visitors_per_min > 0 ? p.capacity_visitors_per_min : null)),
    });
    if (list.some((p) => p.first_failing_visitors_per_min !== null)) {
      series.push({
        label: `${v} first failing rate`,
        color,
        dash: true,
        points: true,
        scale: 'per_min',
        x,
        values: list.map((p) => p.first_failing_visitors_per_min),
      });
    }
  }
  const drawn = series.filter((s) => s.values.some((v) => v !== null));
  const dates = r.points.map((p) => p.dates);
  const [min, max] = dates.length ? logRange(dates) : [1, 10];
  const slo = `product-list p95 under ${fmt(r.slo.product_list_p95_ms)} ms with under ${(r.slo.max_error_rate * 100).toFixed(0)} % errors`;
  return {
    id: 'capacity-chart',
    title: 'Capacity against dates',
    description: `The highest arrival rate that kept ${slo} (solid), and the lowest rate that failed (dashed): the true capacity lies between the two. Both axes are logarithmic.`,
    xAxis: { name: 'dates', label: 'dates in the event series (log scale)', unit: 'count', log: true, min, max },
    // a variant whose every size failed at the lowest rate has nothing to draw on a log axis: the table says so
    series: drawn,
    axes: [{ scale: 'per_min', label: 'visitors/min', side: 'left', log: true }],
    bands: [],
    marks: null,
    empty: drawn.length ? null : 'No capacity was measured.',
  };
}

/** What limited each point, named from its figures. */
function bottleneckSection(r: CapacityResult): Section {
  return {
    id: 'bottleneck',
    title: 'What limited each point',
    paragraphs: [
      'Named from the figures of the lowest failing step of the point (where the limit showed), else its highest passing step: /proc CPU of the machine, the shop, the runner and the database, and pg_stat_activity and pg_stat_database temp bytes. The figures are in the table of every step. Beside it, one product list alone on the idle shop before the search: no rate can make a request faster than that. Then the query alone on the idle database (EXPLAIN ANALYZE, the median of 3 runs): the plan node that needs the most memory against its limit, and the same query with work_mem lowered so that node spills.',
    ],
    tables: [
      {
        headers: [
          'Variant',
          'Dates',
          'Limit',
          'One request alone: p50 / p95 (requests)',
          'Query alone: memory, EXPLAIN',
        ],
        align: [L, R, L, R, L],
        rows: r.points.map((p): Cell[] => [
          txt(p.variant),
          txt(fmt(p.dates)),
          txt(bottleneckText(p.bottleneck)),
          txt(soloText(p.solo)),
          txt(planMemoryText(p.plan_memory)),
        ]),
      },
    ],
  };
}

/** The capacity report as the kit's model: the verdict, the capacity per variant and size, every step, the machine. */
export function capacityPage(r: CapacityResult): ReportPage {
  const notes = new Footnotes();
  const variants = [...byVariant(r).keys()];
  const dates = [...new Set(r.points.map((p) => p.dates))].sort((a, b) => a - b);
  const capacityCell = (v: string, d: number): Cell => {
    const p = r.points.find((x) => x.variant === v && x.dates === d);
    if (!p) return notes.cell(null, 'this variant was not measured at this size.');
    return txt(
      `${medianText(p)}${p.first_failing_visitors_per_min !== null ? ` (fails at ${fmt(p.first_failing_visitors_per_min)})` : ' (no failing rate found)'}`,
    );
  };
  const slo = `product-list p95 stayed under ${fmt(r.slo.product_list_p95_ms)} ms with errors under ${(r.slo.max_error_rate * 100).toFixed(0)} %`;
  return {
    model: {
      title: `Capacity against dates: run ${r.run_id}`,
      subtitle: `${variants.join(' vs ')} · ${dates.map(fmt).join(', ')} dates · ${r.step_duration_s} s steps · ${r.started_at}`,
      verdict: capacityVerdict(r),
      sections: [
        {
          id: 'capacity',
          title: 'Capacity',
          paragraphs: [
            `Capacity = the highest arrival rate (visitors/min, each visitor one shop journey) whose ${slo}, in ${r.step_duration_s} s constant-arrival-rate steps. The true capacity lies between it and the first failing rate.`,
            ...(r.repeats
              ? [
                  `Each point was searched ${r.repeats} time(s), each search bisecting until the failing rate was within ${Math.round((r.precision ?? 0) * 100)} % of the passing one; the table gives the median and (lowest-highest). Two figures whose ranges overlap are no difference measured. Load average (1 min) ${r.load_average?.[0] ?? 'n/a'} at the start, ${r.load_average?.[1] ?? 'n/a'} at the end.`,
                ]
              : []),
          ],
          tables: [
            {
              headers: ['Dates', ...variants],
              align: [R, ...variants.map(() => R)],
              rows: dates.map((d) => [txt(fmt(d)), ...variants.map((v) => capacityCell(v, d))]),
            },
          ],
        },
        bottleneckSection(r),
        {
          id: 'steps',
          title: 'Every step',
          paragraphs: [],
          tables: [
            {
              headers: [
                'Variant',
                'Dates',
                'Visitors/min',
                'product-list p95 ms',
                'Errors',
                'Dropped',
                'Result',
                ...USAGE_HEADERS,
              ],
              align: [L, R, R, R, R, R, L, ...USAGE_HEADERS.map(() => R)],
              rows: r.points.flatMap((p) =>
                p.steps.map((s): Cell[] => [
                  txt(p.variant),
                  txt(fmt(p.dates)),
                  txt(fmt(s.visitors_per_min)),
                  txt(s.product_list_p95_ms === null ? 'n/a' : String(s.product_list_p95_ms)),
                  txt(`${(s.error_rate * 100).toFixed(1)} %`),
                  txt(String(s.dropped_iterations)),
                  { text: s.passed ? 'ok' : 'over SLO', status: s.passed ? 'pass' : 'fail' },
                  ...usageCells(s.usage).map(txt),
                ]),
              ),
            },
          ],
        },
        {
          id: 'machine',
          title: 'Machine',
          paragraphs: [],
          tables: [
            factsTable([
              machineRow(r, notes),
              backgroundRow(r, notes),
              ['Started / finished', `${r.started_at} / ${r.finished_at}`],
              ['Step length', `${r.step_duration_s} s`],
            ]),
          ],
        },
      ],
      notes: notes.list,
    },
    charts: [capacityChart(r)],
    chartsTitle: 'Capacity against dates',
    chartsIntro: 'One point per series size; solid lines are capacities, dashed lines the first rates that failed.',
    mdClosing: 'The chart of capacity against dates is in capacity.html.',
  };
}

/** The shop every size was seeded as: the same other organizers' events beside the hot series. */
export function backgroundRow(r: CapacityResult, notes: Footnotes): [string, Cell] {
  const b = r.background;
  return [
    'Background at every size',
    notes.cell(
      b
        ? `${b.events} events of ${b.organizers} other organizers (the ${b.preset} preset's), beside the hot series`
        : null,
      'not recorded by this run (before each size took the background of the preset below it).',
    ),
  ];
}

/** The machine a sweep ran on, as the capacity page and the review both show it. */
export function machineRow(r: CapacityResult, notes: Footnotes): [string, Cell] {
  const m = r.machine;
  return [
    'Machine',
    notes.cell(
      m && `${m.cpus} CPUs, Node ${m.node}, PostgreSQL ${m.postgres} (${m.database}), ${m.os}`,
      'no dataset was opened, so the database was never reached.',
    ),
  ];
}

export const renderCapacityMarkdown = (r: CapacityResult): string => renderReport(capacityPage(r)).md;
export const renderCapacityHtml = (r: CapacityResult): string => renderReport(capacityPage(r)).html;
