/**
 * The timeline run as the neutral report document (title, verdict, sections of tables, footnotes) that the
 * incident report's markdown and HTML renderers serialise; the figures come from summary.json only.
 */
import { fmtBytes, fmtInt, fmtMs, fmtNum, fmtPct, type Num } from '../cli/format.ts';
import type { Cell, ReportModel, Section } from '../report/document.ts';
import { factsTable, Footnotes, L, R, runnerExitCell, txt } from '../report/cells.ts';
import { platformSections } from './report-platform.ts';
import { TENANTS, type GroupStats, type PeriodResult, type TimelineSummary } from './types.ts';

const REASON = {
  none: 'no request of this group was sent in the period.',
  db: 'no DB statistics sample covered the period (or the counter is unavailable, e.g. pg_stat_statements or /proc on an external database).',
  probe: 'the probe did not run: the database did not become quiet during the access cut.',
} as const;

/** Footnotes numbered by first use (one number per reason), and the cells whose "n/a" points at one. */
function footnotes() {
  const notes = new Footnotes();
  const cell = (text: string | null, reason: string): Cell => notes.cell(text, reason);
  return {
    list: notes.list,
    cell,
    ms: (n: Num) => cell(fmtMs(n), REASON.none),
    pct: (n: Num) => cell(fmtPct(n), REASON.none),
  };
}
type Cells = ReturnType<typeof footnotes>;

/** What the operators did at a period's start, in words. */
export function switchedText(p: PeriodResult): string {
  const s = p.switched;
  const parts: string[] = [];
  if (s.access_cut === true) parts.push('access cut');
  if (s.access_cut === false) parts.push('access back');
  if (s.queue) parts.push(`queue on (${s.queue.visitors_per_minute} new visitors/min per organizer)`);
  if (s.queue === null) parts.push('queue off');
  if (s.disabled_shops?.length) parts.push(`${s.disabled_shops.join(', ')} disabled`);
  if (s.disabled_shops?.length === 0) parts.push('every shop enabled');
  if (s.variant) parts.push(`product-list query ${s.variant}`);
  if (s.restart) parts.push(`${s.restart} restarted`);
  if (s.reads) parts.push(`reads to ${s.reads}`);
  return parts.length ? parts.join(', ') : 'nothing';
}

export function buildTimelineModel(s: TimelineSummary): ReportModel {
  const c = footnotes();
  const sections: Section[] = [
    {
      id: 'shape',
      title: "The post-mortem's shape, checked on this run",
      paragraphs: [
        "Each check compares this run's own figures; the thresholds are the issue's words made numbers (see harness/timeline/shape.ts).",
      ],
      tables: [
        {
          headers: ['Check', 'Holds', 'Figures'],
          align: [L, L, L],
          rows: s.shape.map((x) => [
            txt(x.name),
            { text: x.ok ? 'yes' : 'no', status: x.ok ? 'pass' : 'fail' },
            txt(x.detail),
          ]),
        },
      ],
    },
    {
      id: 'day',
      title: 'The day at a glance',
      paragraphs: [
        'p95 and failed share cover the pages visitors asked for, sent in the period; queue pages are counted apart. "Failed" includes the answers of a switch (503 while access is cut, 403 for a disabled shop): those visitors were turned away.',
      ],
      tables: [
        {
          headers: [
            'Clock (UTC)',
            'Period',
            'Operators',
            'hot p95',
            'hot failed',
            'hot queue pages',
            'others p95',
            'others failed',
            'DB temp bytes/s',
          ],
          align: [L, L, L, R, R, R, R, R, R],
          rows: s.periods.map((p) => [
            txt(`${p.clock}${p.time_assumed ? ' (time assumed)' : ''}`),
            txt(p.name),
            txt(switchedText(p)),
            c.ms(p.hot.p95_ms),
            c.pct(p.hot.failed_rate),
            txt(fmtInt(p.hot.queue_pages) ?? '0'),
            c.ms(p.others.p95_ms),
            c.pct(p.others.failed_rate),
            c.cell(fmtBytes(p.db.temp_bytes_per_s), REASON.db),
          ]),
        },
      ],
    },
    ...s.periods.map((p) => periodSection(s, p, c)),
    ...diagnoseSection(s),
    ...platformSections(s),
    probeSection(s, c),
    ...runSections(s),
  ];
  const pass = s.shape.filter((x) => x.ok).length;
  const verdict =
    pass === s.shape.length
      ? `This run shows the post-mortem's shape: all ${s.shape.length} checks hold. ${highlights(s)}`
      : `This run does not fully show the post-mortem's shape: ${pass} of ${s.shape.length} checks hold; not: ${s.shape
          .filter((x) => !x.ok)
          .map((x) => x.name)
          .join('; ')}. ${highlights(s)}`;
  const t = s.traffic;
  return {
    title: `Incident day: preset ${s.preset} (${fmtInt(s.dates)} dates), run ${s.run_id}`,
    subtitle: `hot shop ${fmtNum(t.hot_visitors_per_min)} → ${fmtNum(t.hot_visitors_per_min * t.multiplier)} visitors/min · ${fmtInt(t.others_shops)} other shops ${fmtNum(t.others_visitors_per_min)} visitors/min · queue ${t.queue.visitors_per_minute}/min · ${s.started_at}`,
    verdict,
    sections,
    notes: c.list,
  };
}

/** One period's table: what each tenant group met, and what the database did meanwhile. */
function periodSection(s: TimelineSummary, p: PeriodResult, c: Cells): Section {
  const groupRow = (name: string, g: GroupStats): Cell[] => [
    txt(name),
    txt(fmtInt(g.count) ?? '0'),
    c.ms(g.p50_ms),
    c.ms(g.p95_ms),
    c.ms(g.product_list_p95_ms),
    c.pct(g.failed_rate),
    txt(fmtInt(g.queue_pages) ?? '0'),
    txt(fmtInt(g.visitors) ?? '0'),
    txt(fmtInt(g.dropped_visitors) ?? '0'),
    g.queue_wait_p95_s === null ? txt('-') : txt(`${fmtNum(g.queue_wait_p95_s)} s`),
  ];
  return {
    id: `period-${p.name}`,
    title: `${p.clock} ${p.name}${p.time_assumed ? ' (time assumed)' : ''}: ${fmtInt(p.end_s - p.start_s)} s from ${fmtInt(p.start_s)} s`,
    paragraphs: [`Operators at the start: ${switchedText(p)}.`, ...(p.name === 'access-cut' ? [probeLine(s)] : [])],
    tables: [
      {
        headers: [
          'Group',
          'Requests',
          'p50',
          'p95',
          'product-list p95',
          'Failed',
          'Queue pages',
          'Visitors done',
          'Dropped',
          'Queue wait p95',
        ],
        align: [L, R, R, R, R, R, R, R, R, R],
        rows: TENANTS.map((t) => groupRow(t, p[t])),
      },
      factsTable([
        [
          'DB temp bytes',
          c.cell(
            p.db.temp_bytes === null ? null : `${fmtBytes(p.db.temp_bytes)} (${fmtBytes(p.db.temp_bytes_per_s)}/s)`,
            REASON.db,
          ),
        ],
        [
          'Product-list query calls, mean',
          c.cell(
            p.db.product_list_calls === null
              ? null
              : `${fmtInt(p.db.product_list_calls)}, ${fmtMs(p.db.product_list_mean_ms) ?? 'n/a'}`,
            REASON.db,
          ),
        ],
        ['DB server CPU', c.cell(p.db.cpu_ms === null ? null : `${fmtNum(p.db.cpu_ms / 1000)} s`, REASON.db)],
        ['Most statements running at once', c.cell(fmtInt(p.db.max_active_connections), REASON.db)],
        ['Within the SLO', txt(TENANTS.map((t) => `${t} ${p.within_slo[t] ? 'yes' : 'no'}`).join(', '))],
      ]),
    ],
  };
}

function probeSection(s: TimelineSummary, c: Cells): Section {
  const pr = s.probe;
  return {
    id: 'probe',
    title: 'The old product-list query alone',
    paragraphs: [
      'As the operators ran it by hand at 13:22: EXPLAIN ANALYZE of the before query on the same dates of the hot series, once on the idle database before the day, once during the access cut after the last visitor query had finished.',
    ],
    tables: [
      factsTable([
        ['Idle database, before the day', txt(fmtMs(pr.baseline_ms) ?? 'n/a')],
        ['During the access cut', c.cell(fmtMs(pr.during_cut_ms), REASON.probe)],
        [
          'Database quiet after the cut',
          c.cell(pr.db_quiet_after_s === null ? null : `${fmtNum(pr.db_quiet_after_s)} s`, REASON.probe),
        ],
        ['Probe ran at', c.cell(pr.at_s === null ? null : `${fmtNum(pr.at_s)} s`, REASON.probe)],
        ['Dates probed (subevent ids)', txt(pr.subevent_ids.join(', '))],
        [
          'Buffers the plans touched, idle / during the cut',
          txt(
            `${fmtInt(pr.buffers_touched.idle)} / ${fmtInt(pr.buffers_touched.during_cut) ?? 'n/a'}${pr.buffers_touched.idle === pr.buffers_touched.during_cut ? ' (the same work)' : ''}`,
          ),
        ],
        ['Temp bytes the probe itself wrote', c.cell(fmtBytes(pr.temp_bytes), REASON.probe)],
      ]),
    ],
  };
}

function probeLine(s: TimelineSummary): string {
  const p = s.probe;
  if (p.during_cut_ms === null)
    return 'The old query could not be probed alone: the database did not become quiet in time.';
  return `No product-list query was running ${fmtNum(p.db_quiet_after_s)} s after the cut; the old query alone then took ${fmtMs(p.during_cut_ms)} (${fmtMs(p.baseline_ms)} on the idle database before the day). Its own temp files (${fmtBytes(p.temp_bytes)}) are part of this period's DB figures.`;
}

function highlights(s: TimelineSummary): string {
  const at = (n: string) => s.periods.find((p) => p.name === n);
  const o = (n: string) => fmtMs(at(n)?.others.p95_ms) ?? 'n/a';
  return `The other shops' p95 went from ${o('normal')} on a normal day to ${o('tripled')} when the hot shop's visitors tripled, ${o('queue')} with the queue on and ${o('shop-disabled')} with the hot shop disabled; with the fix live at three times the visitors the hot shop's p95 was ${fmtMs(at('fixed')?.hot.p95_ms) ?? 'n/a'}.`;
}

function runSections(s: TimelineSummary): Section[] {
  const t = s.traffic;
  const c = t.calibration;
  return [
    {
      id: 'run',
      title: 'Run',
      paragraphs: [],
      tables: [
        factsTable([
          ['Run id', txt(s.run_id)],
          ['Preset', txt(`${s.preset} (${fmtInt(s.dates)} dates in the hot event series), seed ${s.seed}`)],
          ['Started / finished', txt(`${s.started_at} / ${s.finished_at}`)],
          [
            'Hot shop',
            txt(
              `${fmtNum(t.hot_visitors_per_min)} visitors/min normal, ${fmtNum(t.hot_visitors_per_min * t.multiplier)} from 'tripled' on (${c.formula})`,
            ),
          ],
          [
            'Other shops',
            txt(
              `${fmtNum(t.others_visitors_per_min)} visitors/min in all, over ${fmtInt(t.others_shops)} event series of other organizers, all day`,
            ),
          ],
          ['Queue', txt(`${t.queue.formula}; the queue page asks browsers back after ${t.queue.retry_after_s} s`)],
          ['Think time scale', txt(fmtNum(t.think_scale) ?? 'n/a')],
          [
            'Request timeout, SLO',
            txt(
              `${fmtNum(t.request_timeout_s)} s; p95 < ${fmtMs(t.slo.p95_ms)}, < ${fmtPct(t.slo.max_error_rate)} failed`,
            ),
          ],
          ['Load start against plan', txt(`${fmtInt(t.start_lag_ms)} ms late`)],
          ['Runner exit code', runnerExitCell(s.runner_exit_code)],
          [
            'Machine',
            txt(
              `${s.machine.cpus} CPUs, Node ${s.machine.node}, PostgreSQL ${s.machine.postgres} (${s.machine.database}), ${s.machine.os}`,
            ),
          ],
        ]),
        {
          headers: ['Switch', 'Planned at', 'Applied at', 'Shop state after'],
          align: [L, R, R, L],
          rows: s.switches.map((w) => [
            txt(w.period),
            txt(`${fmtNum(w.planned_s)} s`),
            txt(`${fmtNum(w.at_s)} s`),
            txt(
              `access ${w.state.access_cut ? 'cut' : 'open'}, queue ${w.state.queue ? `${w.state.queue.visitors_per_minute}/min` : 'off'}, disabled: ${w.state.disabled_shops.join(', ') || 'none'}, query ${w.state.variant}`,
            ),
          ]),
        },
      ],
    },
    {
      id: 'remeasure',
      title: 'Re-measure',
      paragraphs: [
        `npm run load:timeline -- --preset ${s.preset} --seed ${s.seed}`,
        'Latencies move with whatever else the machine runs; the shape (who suffers when, what each switch buys) is what a run shows.',
      ],
      tables: [],
    },
  ];
}

/** When the live diagnosis named the cause and the tenant, beside the post-mortem's own clock. */
function diagnoseSection(s: TimelineSummary): Section[] {
  const d = s.diagnose;
  if (!d) return [];
  const named = d.named;
  const pm = (clock: string, what: string): Cell[] => [txt(clock), txt(what), txt('post-mortem')];
  return [
    {
      id: 'diagnose',
      title: 'When the cause was known',
      paragraphs: [
        `diagnose watched the day's database as \`npm run diagnose\` watches a production server: statistics only, a verdict every ${fmtNum(d.interval_s)} s over the last ${fmtNum(d.window_s)} s (diagnosis.ndjson, diagnosis.md in this folder). The post-mortem's team knew the cause about 1 h 40 min after the visitors tripled; the band under the chart above shows each verdict.`,
      ],
      tables: [
        {
          headers: ['Clock (UTC)', 'What happened', 'Source'],
          align: [L, L, L],
          rows: [
            pm('12:07', "the hot shop's visitors triple"),
            named
              ? [
                  txt(`12:07 + ${fmtNum(named.after_tripled_s)} s`),
                  txt(
                    `diagnose names ${named.cause}, tenant ${named.tenant} (${fmtPct(named.tenant_share)} of its active time)`,
                  ),
                  txt('this run'),
                ]
              : [txt('never'), txt('diagnose did not name the cause with its tenant'), txt('this run')],
            pm('12:14', 'the alarm'),
            pm('12:45', 'four engineers on it; restarts and re-routes move the load around'),
            pm('13:48', 'the shop is disabled; everyone is back by 13:55'),
          ],
        },
        ...(d.false_causes.length
          ? [
              {
                headers: ['At', 'Period', 'Cause named while healthy'],
                align: [R, L, L] as ('l' | 'r')[],
                rows: d.false_causes.slice(0, 10).map((f) => [txt(`${fmtNum(f.at_s)} s`), txt(f.period), txt(f.cause)]),
              },
            ]
          : []),
      ],
    },
  ];
}
