import { factsTable, Footnotes, L, R, txt } from '../report/cells.ts';
import type { Cell, Section as ReportSection, Table } from '../report/document.ts';
import { legendKeys, type ReportPage } from '../report/write.ts';
import { VARIANT_COLORS } from '../report/chart-spec.ts';
import { backgroundRow, beforeAfter, fmt, machineRow, medianText } from './render.ts';
import {
  breakDates,
  headroom,
  MAX_EXTRAPOLATION,
  modelsOf,
  trustSentence,
  type BreakPoint,
  type Traffic,
} from './review-figures.ts';
import { reviewChart, TRAFFIC_COLOR } from './review-chart.ts';
import { curveText } from './projection.ts';
import { soloCurveText } from './solo-projection.ts';
import { spillText } from './spill-projection.ts';
import type { CapacityPoint, CapacityResult, Projection } from './types.ts';

type Variant = CapacityPoint['variant'];
import { bottleneckText, planMemoryText, soloText, USAGE_HEADERS, usageCells } from './usage-text.ts';

const VARIANTS: Variant[] = ['before', 'after'];
const NAME: Record<Variant, string> = { before: 'the old query', after: 'the fix' };
const times = (h: number) => `${h.toFixed(2)}x`;
const breakText = (b: BreakPoint) => (b.dates === null ? b.note : `${fmt(b.dates)} dates (${b.note})`);

interface VariantView {
  variant: Variant;
  points: CapacityPoint[];
  atToday: BreakPoint;
  at3x: BreakPoint;
}

function views(r: CapacityResult, t: Traffic | null): VariantView[] {
  const dates = r.points.map((p) => p.dates);
  return VARIANTS.flatMap((variant) => {
    const points = r.points.filter((p) => p.variant === variant).sort((a, b) => a.dates - b.dates);
    if (points.length === 0) return [];
    const pr = modelsOf(r, variant)?.projection ?? null;
    const none: BreakPoint = { dates: null, note: 'no traffic figure' };
    return [
      {
        variant,
        points,
        atToday: t ? breakDates(pr, t.visitors_per_min, dates) : none,
        at3x: t ? breakDates(pr, t.visitors_per_min * 3, dates) : none,
      },
    ];
  });
}

/** The review's first paragraph: per variant, the largest size against today's traffic and 3x, and the breaks. */
function verdict(t: Traffic | null, vs: VariantView[]): string {
  return vs
    .map((v) => {
      const p = v.points.at(-1)!;
      const head = `${NAME[v.variant][0].toUpperCase()}${NAME[v.variant].slice(1)} at ${fmt(p.dates)} dates sustains ${medianText(p)} visitors/min`;
      const room = t
        ? `: ${times(headroom(p, t.visitors_per_min))} today's traffic (${fmt(t.visitors_per_min)}), ${times(headroom(p, t.visitors_per_min * 3))} 3x`
        : '';
      const limit = p.bottleneck ? `, limited by ${p.bottleneck.kind}` : '';
      const brk = t
        ? ` The SLO breaks at today's traffic at ${breakText(v.atToday)}; at 3x at ${breakText(v.at3x)}.`
        : '';
      return `${head}${room}${limit}.${brk}`;
    })
    .join(' ');
}

function pointsTable(vs: VariantView[], t: Traffic | null): Table {
  return {
    headers: ['Variant', 'Dates', 'Capacity median (range)', 'Repeats', 'Headroom today', 'Headroom 3x', 'Limit'],
    align: [L, R, R, R, R, R, L],
    rows: vs.flatMap((v) =>
      v.points.map((p): Cell[] => [
        txt(v.variant),
        txt(fmt(p.dates)),
        txt(medianText(p)),
        txt(String(p.repeats?.length ?? 1)),
        t
          ? {
              text: times(headroom(p, t.visitors_per_min)),
              status: headroom(p, t.visitors_per_min) >= 1 ? 'pass' : 'fail',
            }
          : txt('n/a'),
        t
          ? {
              text: times(headroom(p, t.visitors_per_min * 3)),
              status: headroom(p, t.visitors_per_min * 3) >= 1 ? 'pass' : 'fail',
            }
          : txt('n/a'),
        txt(p.bottleneck?.kind ?? 'n/a'),
      ]),
    ),
  };
}

/** where one request alone reaches the SLO, said only as far as a projection can be read */
function soloBreakText(dates: number | null, r: CapacityResult): string {
  if (dates === null) return 'at no size';
  const largest = Math.max(...r.points.map((p) => p.dates));
  if (dates > largest * MAX_EXTRAPOLATION)
    return `only beyond ${MAX_EXTRAPOLATION}x the largest size measured (${fmt(largest * MAX_EXTRAPOLATION)} dates), farther than it can be read`;
  return `at ${fmt(dates)} dates`;
}

/** "880 / 1,092 ms (p95 over 1,000) / 893 / 1,236 ms": the solo figures a validation sentence quotes */
function soloCell(v: NonNullable<Projection['validation']>, sloMs: number): string {
  if (v.solo_predicted_ms == null) return 'n/a';
  const p95 = v.solo_predicted_p95_ms ?? v.solo_predicted_ms;
  const side = p95 > sloMs ? 'over' : 'under';
  const measured =
    v.solo_measured_ms == null
      ? 'not measured'
      : `${fmt(v.solo_measured_ms)}${v.solo_measured_p95_ms == null ? '' : ` / ${fmt(v.solo_measured_p95_ms)}`} ms`;
  const spill = v.solo_spill?.predicted ? `, a spill's ${fmt(v.solo_spill.extra_ms)} ms included` : '';
  return `${fmt(v.solo_predicted_ms)} / ${fmt(p95)} ms (p95 ${side} ${fmt(sloMs)}${spill}) / ${measured}`;
}

/** "< 1.3" when only bounded, "0 (< 1.3)" when a prediction of 0 was checked against nothing passing */
function measuredCell(v: NonNullable<Projection['validation']>): string {
  const below = `< ${v.measured_below ?? '?'}`;
  if (v.error === null) return below;
  return v.measured === 0 ? `0 (${below})` : fmt(v.measured);
}

function projectionSection(r: CapacityResult, vs: VariantView[]): ReportSection {
  const paragraphs = vs.map((v) => {
    const m = modelsOf(r, v.variant);
    const pr = m?.projection ?? null;
    const fit = pr ? `${v.variant}: ${curveText(pr)}; ${pr.choice}. ` : `${v.variant}: `;
    const cross = pr?.audit_cross_check ? ` Cross-check: ${pr.audit_cross_check.note}.` : '';
    const solo = pr?.solo
      ? ` One product list alone: ${soloCurveText(pr.solo)} (fitted to ${pr.solo.sizes.map(fmt).join(', ')} dates; ${pr.solo.choice}; p95 / p50 alone ${pr.solo.p95_ratio ?? 1}), its p95 reaching the SLO's ${fmt(r.slo.product_list_p95_ms)} ms ${soloBreakText(pr.solo.slo_dates, r)}.`
      : '';
    const spill = pr?.solo?.spill ? ` ${spillText(pr.solo.spill)}` : '';
    return `${fit}${trustSentence(pr, r.slo.product_list_p95_ms)}${solo}${spill}${cross}`;
  });
  return {
    id: 'projection',
    title: 'Projection and its validation',
    paragraphs: [
      `A curve of median capacity against dates by least squares: a power law (a straight line in log-log space), or a fixed cost per visitor plus a cost per date (1 / capacity linear in the dates) when that fits the smaller sizes closer. The validation fits it again without the largest size and predicts that size: the error printed is the error to expect one step beyond the sizes measured. A capacity curve never reaches 0, so beside it the time of one product list alone (the p50 of up to 10 requests one after another on an idle shop, before each search) is projected from the smaller sizes too, and read as a p95 by the ratio p95 / p50 the requests alone showed there: under load a request only waits longer, so where the p95 alone is projected over the SLO's p95 the prediction is 0, whatever the curve says. A sort or hash that outgrows work_mem writes to disk, a step no curve through sizes that ran in memory shows: the query's hungriest plan node is measured alone at each size (EXPLAIN ANALYZE), its memory projected against its limit, and beyond the size where it crosses the solo projection adds what a spill cost at the smaller sizes (the query timed there with work_mem lowered).`,
      ...paragraphs,
    ],
    tables: [
      {
        headers: [
          'Variant',
          'Held out',
          'Predicted',
          'Measured',
          'Error',
          'Alone: projected p50 / p95, measured p50 / p95',
          'Today breaks at',
          '3x breaks at',
        ],
        align: [L, R, R, R, R, R, L, L],
        rows: vs.map((v): Cell[] => {
          const val = modelsOf(r, v.variant)?.projection?.validation;
          return [
            txt(v.variant),
            txt(val ? fmt(val.held_out_dates) : 'n/a'),
            txt(
              val ? `${fmt(val.predicted)}${val.predicted_by === 'solo-time' ? ' (alone over the SLO)' : ''}` : 'n/a',
            ),
            txt(val ? measuredCell(val) : 'n/a'),
            val && val.error !== null
              ? { text: `${(val.error * 100).toFixed(1)} %`, status: Math.abs(val.error) <= 0.25 ? 'pass' : 'fail' }
              : txt(val ? 'bounded only' : 'n/a'),
            txt(val ? soloCell(val, r.slo.product_list_p95_ms) : 'n/a'),
            txt(breakText(v.atToday)),
            txt(breakText(v.at3x)),
          ];
        }),
      },
    ],
  };
}

function uslSection(r: CapacityResult, vs: VariantView[]): ReportSection {
  const rows = vs.flatMap((v) => {
    const u = modelsOf(r, v.variant)?.usl;
    if (!u) return [];
    return [
      [
        txt(v.variant),
        txt(fmt(u.dates)),
        txt(u.levels.map((l) => `${l.concurrency}: ${l.throughput_rps}`).join(', ')),
        txt(String(u.sigma)),
        txt(String(u.kappa)),
        txt(u.peak_concurrency === null ? 'none (levels off)' : String(u.peak_concurrency)),
        txt(u.peak_throughput === null ? 'n/a' : String(u.peak_throughput)),
        txt(`${(u.rms_relative_error * 100).toFixed(1)} %`),
      ],
    ];
  });
  return {
    id: 'usl',
    title: 'Throughput against concurrency (Universal Scalability Law)',
    paragraphs: [
      'Product lists per second in a closed loop (each client asks again when answered) at each concurrency, at the smallest size, fitted to X(N) = λN / (1 + σ(N−1) + κN(N−1)). σ is the serialised share of the work, κ the cost of keeping clients in step; past the peak concurrency more clients make throughput worse. On a machine the shop, the runner and the database share, the peak describes this machine, not production.',
    ],
    tables: rows.length
      ? [
          {
            headers: [
              'Variant',
              'Dates',
              'Clients: lists/s',
              'σ',
              'κ',
              'Peak clients',
              'Peak lists/s',
              'Fit error (rms)',
            ],
            align: [L, R, L, R, R, R, R, R],
            rows,
          },
        ]
      : [],
  };
}

/** The one-page capacity review: traffic against each variant's curve, headroom, breaks, limits, the figures. */
export function reviewPage(r: CapacityResult, t: Traffic | null): ReportPage {
  const notes = new Footnotes();
  const vs = views(r, t);
  const breaks = vs.flatMap((v) => [v.atToday.dates ?? 0, v.at3x.dates ?? 0]);
  const sizes = [...new Set(r.points.map((p) => p.dates))].sort((a, b) => a - b);
  const pairs = sizes.flatMap((d) => {
    const b = r.points.find((p) => p.variant === 'before' && p.dates === d);
    const a = r.points.find((p) => p.variant === 'after' && p.dates === d);
    return a && b ? [`at ${fmt(d)} dates ${medianText(b)} before, ${medianText(a)} after: ${beforeAfter(b, a)}`] : [];
  });
  return {
    model: {
      title: `Capacity review: run ${r.run_id}`,
      subtitle: `${vs.map((v) => v.variant).join(' vs ')} · ${sizes.map(fmt).join(', ')} dates · ${r.repeats ?? 1} searches per point · ${r.started_at}`,
      verdict: verdict(t, vs),
      sections: [
        {
          id: 'traffic',
          title: 'Traffic against capacity',
          paragraphs: [
            `Today's traffic: ${t ? t.basis : 'unknown: give --traffic (the run has no old-query capacity to derive it from)'}. Capacity: the highest arrival rate whose product-list p95 stayed under ${fmt(r.slo.product_list_p95_ms)} ms with errors under ${(r.slo.max_error_rate * 100).toFixed(0)} %, the median of the searches and (lowest-highest). Headroom = capacity / traffic; below 1.00x the SLO is broken at that traffic.`,
            ...(pairs.length ? [`Before and after, from the ranges only: ${pairs.join('; ')}.`] : []),
          ],
          tables: [pointsTable(vs, t)],
        },
        {
          id: 'limits',
          title: 'What limited each point',
          paragraphs: [
            'From the lowest failing step of each point (where the limit showed): /proc CPU of the machine, the database, the shop and the runner; pg_stat_activity; pg_stat_database temp bytes; reads from storage.',
          ],
          tables: [
            {
              headers: [
                'Variant',
                'Dates',
                'Limit',
                'Alone p50 / p95',
                'Query alone: memory, EXPLAIN',
                ...USAGE_HEADERS,
              ],
              align: [L, R, L, R, L, ...USAGE_HEADERS.map(() => R)],
              rows: vs.flatMap((v) =>
                v.points.map((p): Cell[] => [
                  txt(v.variant),
                  txt(fmt(p.dates)),
                  txt(bottleneckText(p.bottleneck)),
                  txt(soloText(p.solo)),
                  txt(planMemoryText(p.plan_memory)),
                  ...usageCells(p.bottleneck?.figures).map(txt),
                ]),
              ),
            },
          ],
        },
        projectionSection(r, vs),
        uslSection(r, vs),
        {
          id: 'machine',
          title: 'Where it was measured',
          paragraphs: [],
          tables: [
            factsTable([
              machineRow(r, notes),
              backgroundRow(r, notes),
              [
                'Load average (1 min), start / end',
                notes.cell(r.load_average ? r.load_average.join(' / ') : null, 'not recorded by this run.'),
              ],
              [
                'Step length, precision',
                `${r.step_duration_s} s, ${r.precision === undefined ? 'n/a' : `${Math.round(r.precision * 100)} %`}`,
              ],
              ['Started / finished', `${r.started_at} / ${r.finished_at}`],
            ]),
          ],
        },
      ],
      notes: notes.list,
    },
    charts: [reviewChart(r, t ? t.visitors_per_min : null, breaks)],
    chartsTitle: 'Capacity and traffic against dates',
    chartsIntro: legendKeys([
      ...vs.map((v) => ({ color: VARIANT_COLORS[v.variant], label: v.variant })),
      { color: TRAFFIC_COLOR, label: 'traffic' },
    ]),
    mdClosing: 'The chart of capacity and traffic against dates is in review.html; every figure is in capacity.json.',
  };
}
