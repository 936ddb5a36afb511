/**
 * Turns a run's data into a neutral document (title, verdict, sections of tables, footnotes). The markdown
 * and HTML renderers only serialise this model, so the two reports can never disagree on a figure or a note.
 */
import type { DbStats, IncidentSummary, PhaseName, PhaseStats, ReportInput, VariantName, VariantResult } from '../incident/types.ts';
import { div, fmtBytes, fmtInt, fmtMs, fmtNum, fmtPct, fmtRatio, isNum, type Num } from './format.ts';
import { SLO } from '../load/incident-script.ts';
import { diagnosisSection } from './diagnosis-section.ts';

export interface Cell {
  text: string;
  /** 1-based footnote explaining an "n/a" */
  note?: number;
  status?: 'pass' | 'fail';
}

export interface Table {
  headers: string[];
  /** 'r' for figures so digits line up */
  align: ('l' | 'r')[];
  rows: Cell[][];
}

export interface Section {
  id: string;
  title: string;
  paragraphs: string[];
  tables: Table[];
}

export interface ReportModel {
  title: string;
  subtitle: string;
  verdict: string;
  sections: Section[];
  notes: string[];
}

export const VARIANTS: VariantName[] = ['before', 'after'];
export const PHASES: PhaseName[] = ['baseline', 'ramp', 'tripled'];
const PRODUCT_LIST = 'product-list';
/** the journey's order; other endpoints follow alphabetically */
const ENDPOINT_ORDER = [PRODUCT_LIST, 'calendar', 'cart-add', 'checkout'];

/**
 * Words for the verdict. A shopper notices a product list slower than a second, and one failure in a hundred
 * pages is already a support problem: those are the lines between "held up" and "slowed down". "Collapsed"
 * means what the incident looked like: many failures, or p95 at half the load balancer's timeout.
 */
const DEGRADED_P95_MS = SLO.p95Ms;
const DEGRADED_ERROR_RATE = SLO.maxErrorRate;
const COLLAPSED_ERROR_RATE = 0.05;

/** Numbers the footnotes by first use and reuses a number for the same reason. */
class Notes {
  readonly list: string[] = [];
  ref(reason: string): number {
    const i = this.list.indexOf(reason);
    if (i >= 0) return i + 1;
    this.list.push(reason);
    return this.list.length;
  }
}

const REASON = {
  pgss: 'pg_stat_statements was not available (extension not loaded), so the product-list query\'s own calls, time and buffers were not collected.',
  pgStatDb: 'pg_stat_database counters were not collected for this run.',
  osIo: 'the database server\'s OS I/O counters (/proc/PID/io) were not readable, e.g. with an external database or a server run by another user.',
  cpu: 'the database server\'s CPU time was not readable, e.g. with an external database.',
  tempFiles: 'the temporary file count was not collected.',
  noDbPhase: 'no DB statistics sample covered this phase.',
  noCalls: 'no product-list query calls were recorded, so per-call figures cannot be computed.',
  ratio: 'the ratio needs both variants with a non-zero product-list p95 in that phase.',
  noEndpoint: 'this endpoint had no requests in the phase.',
  noThreshold: 'this threshold was not defined for this variant\'s run.',
  notRun: 'this variant was not run.',
  missing: 'the run did not record this figure.',
} as const;

export function presentVariants(summary: IncidentSummary): VariantName[] {
  return VARIANTS.filter((v) => summary.variants[v] !== undefined);
}

function phasesOf(v: VariantResult): PhaseName[] {
  return PHASES.filter((p) => v.phases[p] !== undefined);
}

function endpointsOf(phases: PhaseStats[]): string[] {
  const names = new Set<string>();
  for (const p of phases) for (const n of Object.keys(p.endpoints ?? {})) names.add(n);
  const known = ENDPOINT_ORDER.filter((n) => names.has(n));
  const rest = [...names].filter((n) => !ENDPOINT_ORDER.includes(n)).sort();
  return [...known, ...rest];
}

/** product-list p95 and errors of a phase; the phase's overall figures when the endpoint is missing. */
interface PlFigures {
  p95: number;
  errors: number;
  scope: 'product-list' | 'all requests';
}
function productList(p: PhaseStats): PlFigures {
  const e = p.endpoints?.[PRODUCT_LIST];
  return e ? { p95: e.p95_ms, errors: e.error_rate, scope: 'product-list' } : { p95: p.p95_ms, errors: p.error_rate, scope: 'all requests' };
}

type Health = 'held' | 'degraded' | 'collapsed';
function health(base: PlFigures, trip: PlFigures, timeoutS: number): Health {
  if (trip.errors >= COLLAPSED_ERROR_RATE || trip.p95 >= (timeoutS * 1000) / 2) return 'collapsed';
  // a p95 above a second only counts as "slowed down" if the load made it worse, not if it was always slow
  if (trip.errors >= DEGRADED_ERROR_RATE || (trip.p95 >= DEGRADED_P95_MS && trip.p95 > base.p95 * 1.5)) return 'degraded';
  return 'held';
}

const ms = (n: number) => fmtMs(n) ?? 'n/a';
const pct = (n: number) => fmtPct(n) ?? 'n/a';

/** The plain-words verdict, phrased from the figures (never from what the run was expected to show). */
export function verdictText(summary: IncidentSummary): string {
  const present = presentVariants(summary);
  if (present.length === 0) return 'This run has no variant results, so there is nothing to compare.';
  const mult = `${fmtNum(summary.traffic.multiplier)}x`;
  const base = fmtInt(summary.traffic.baseline_visitors_per_min) ?? 'n/a';
  const peak = fmtInt(summary.traffic.baseline_visitors_per_min * summary.traffic.multiplier) ?? 'n/a';
  const timeout = summary.traffic.request_timeout_s;
  const out: string[] = [];

  const describe = (name: VariantName, label: string): Health => {
    const v = summary.variants[name]!;
    const b = productList(v.phases.baseline);
    const t = productList(v.phases.tripled);
    const h = health(b, t, timeout);
    const what = t.scope === 'product-list' ? 'product-list p95' : 'p95 over all requests (no product-list figures)';
    const errWhat = t.scope === 'product-list' ? 'of product-list requests' : 'of requests';
    if (name === 'before' || present.length === 1) {
      const lead = `At ${mult} visitors (${base} → ${peak} visitors/min) ${label}`;
      if (h === 'collapsed')
        out.push(`${lead} collapsed: ${what} rose from ${ms(b.p95)} at baseline to ${ms(t.p95)}, and ${pct(t.errors)} ${errWhat} failed (requests time out after ${timeout} s).`);
      else if (h === 'degraded') out.push(`${lead} slowed down: ${what} rose from ${ms(b.p95)} at baseline to ${ms(t.p95)} with ${pct(t.errors)} errors.`);
      else
        out.push(
          `${lead} held up: ${what} went from ${ms(b.p95)} at baseline to ${ms(t.p95)} with ${pct(t.errors)} errors` +
            (name === 'before' ? ', so this run did not reproduce the outage (the load or the dataset may be too small for this machine).' : '.'),
        );
    } else {
      if (h === 'held') out.push(`With the fix it stayed at ${ms(t.p95)} (${ms(b.p95)} at baseline) with ${pct(t.errors)} errors.`);
      else out.push(`With the fix it ${h === 'collapsed' ? 'also collapsed' : 'also rose'}: ${ms(b.p95)} at baseline, ${ms(t.p95)} at the tripled rate, with ${pct(t.errors)} errors.`);
    }
    return h;
  };

  if (present.includes('before')) describe('before', 'the old query');
  if (present.includes('after')) describe('after', 'the fixed query');

  const r = summary.comparison?.tripled_p95_ratio;
  if (present.length === 2 && isNum(r)) {
    if (r >= 1.1) out.push(`At the tripled rate the fix's product-list p95 was ${fmtRatio(r)} lower.`);
    else if (r <= 1 / 1.1) out.push(`At the tripled rate the fix's product-list p95 was ${fmtRatio(1 / r)} higher than the old query's.`);
    else out.push('At the tripled rate both variants had about the same product-list p95.');
  }

  const perCall = present.map((n) => perCallFigures(summary.variants[n]!.db));
  if (present.length === 2 && perCall.every((c) => c.tempBytes !== null && c.buffers !== null)) {
    const [b, a] = perCall;
    out.push(
      `Each old product-list query wrote ${fmtBytes(b.tempBytes)} of temporary files and touched ${fmtNum(b.buffers)} buffers, ` +
        `against ${fmtBytes(a.tempBytes)} and ${fmtNum(a.buffers)} with the fix.`,
    );
  }
  if (present.length === 1) out.push(`Only the ${present[0]} variant was run, so there is no comparison.`);
  return out.join(' ');
}

/** Per product-list call, over the variant's whole run. Temp bytes come from pg_stat_database (all queries),
 * but during the run the product-list query is the only one that spills, so dividing by its calls is fair. */
function perCallFigures(db: DbStats) {
  const q = db.product_list_query;
  const calls = q && q.calls > 0 ? q.calls : null;
  return {
    calls,
    tempBytes: div(db.temp_bytes, calls),
    tempBlocks: div(q?.temp_blks_written, calls),
    buffers: q && calls ? (q.shared_blks_hit + q.shared_blks_read) / calls : null,
    reads: div(q?.shared_blks_read, calls),
    meanMs: q ? q.mean_ms : null,
  };
}

export function buildModel(input: ReportInput): ReportModel {
  const s = input.summary;
  const notes = new Notes();
  const present = presentVariants(s);
  const cell = (text: string | null, reason: string): Cell => (text === null ? { text: 'n/a', note: notes.ref(reason) } : { text });
  const txt = (text: string): Cell => ({ text });
  const L = 'l' as const;
  const R = 'r' as const;
  /** a two-column table of labelled facts (run, calibration, machine) */
  const facts = (rows: [string, Cell][]): Table => ({ headers: ['', ''], align: [L, L], rows: rows.map(([label, value]) => [txt(label), value]) });

  /** before / after; a zero after figure (the fix writes no temp files) is a result, not a missing value */
  const ratioCell = (b: number | null, a: number | null): Cell => {
    if (isNum(b) && isNum(a) && a === 0) return txt(b === 0 ? 'equal (both 0)' : 'after is 0');
    return cell(fmtRatio(div(b, a)), 'a before/after ratio needs both variants\' figures.');
  };
  const sections: Section[] = [];

  // --- run & traffic
  const phasesLine = s.traffic.phases.map((p) => `${p.name} ${fmtInt(p.duration_s)} s`).join(', ');
  const durationS = (Date.parse(s.finished_at) - Date.parse(s.started_at)) / 1000;
  sections.push({
    id: 'run',
    title: 'Run',
    paragraphs: [],
    tables: [
      facts([
        ['Run id', txt(s.run_id)],
        ['Preset', txt(`${s.preset} (${fmtInt(s.dates)} dates in the hot event series), seed ${s.seed}`)],
        ['Variants', txt(present.length ? present.join(', ') : 'none')],
        ['Started / finished', txt(`${s.started_at} / ${s.finished_at}` + (isNum(durationS) ? ` (${fmtNum(durationS / 60)} min)` : ''))],
        ['Baseline rate', txt(`${fmtNum(s.traffic.baseline_visitors_per_min)} visitors/min`)],
        ['Peak rate', txt(`${fmtNum(s.traffic.baseline_visitors_per_min * s.traffic.multiplier)} visitors/min (${fmtNum(s.traffic.multiplier)}x)`)],
        ['Phases', txt(phasesLine || 'none')],
        ['Request timeout', txt(`${fmtNum(s.traffic.request_timeout_s)} s`)],
      ]),
    ],
  });

  // --- load per variant and phase
  const loadRows: Cell[][] = [];
  const endpointRows: Cell[][] = [];
  for (const name of present) {
    const v = s.variants[name]!;
    const phases = phasesOf(v);
    for (const p of phases) {
      const st = v.phases[p]!;
      loadRows.push([
        txt(name),
        txt(p),
        cell(fmtInt(st.iterations), REASON.missing),
        txt(fmtInt(st.requests) ?? '0'),
        cell(fmtNum(st.rps), REASON.missing),
        cell(fmtMs(st.p50_ms), REASON.missing),
        cell(fmtMs(st.p95_ms), REASON.missing),
        cell(fmtMs(st.p99_ms), REASON.missing),
        cell(fmtPct(st.error_rate), REASON.missing),
        txt(fmtInt(st.dropped_iterations) ?? '0'),
      ]);
    }
    for (const e of endpointsOf(phases.map((p) => v.phases[p]!))) {
      for (const p of phases) {
        const es = v.phases[p]!.endpoints?.[e];
        endpointRows.push([
          txt(name),
          txt(e),
          txt(p),
          es ? txt(fmtInt(es.requests) ?? '0') : cell(null, REASON.noEndpoint),
          cell(es ? fmtMs(es.p95_ms) : null, REASON.noEndpoint),
          cell(es ? fmtPct(es.error_rate) : null, REASON.noEndpoint),
        ]);
      }
    }
  }
  sections.push({
    id: 'load',
    title: 'Load by variant and phase',
    paragraphs: [
      'Visitors are runner iterations started in the phase (open model: arrivals do not wait for slow pages). ' +
        'Dropped iterations are visitors the runner could not start because all its virtual users were busy, a sign of overload.',
    ],
    tables: [
      {
        headers: ['Variant', 'Phase', 'Visitors', 'Requests', 'rps', 'p50', 'p95', 'p99', 'Errors', 'Dropped iterations'],
        align: [L, L, R, R, R, R, R, R, R, R],
        rows: loadRows,
      },
    ],
  });
  sections.push({
    id: 'endpoints',
    title: 'Endpoints',
    paragraphs: [],
    tables: [{ headers: ['Variant', 'Endpoint', 'Phase', 'Requests', 'p95', 'Errors'], align: [L, L, L, R, R, R], rows: endpointRows }],
  });

  // --- DB I/O per phase
  const dbRows: Cell[][] = [];
  for (const name of present) {
    const v = s.variants[name]!;
    for (const p of phasesOf(v)) {
      const d = v.db_phases?.[p];
      if (!d) {
        dbRows.push([txt(name), txt(p), ...Array.from({ length: 10 }, () => cell(null, REASON.noDbPhase))]);
        continue;
      }
      const q = d.product_list_query;
      dbRows.push([
        txt(name),
        txt(p),
        cell(fmtInt(q?.calls), REASON.pgss),
        cell(fmtMs(q?.mean_ms), REASON.pgss),
        cell(fmtInt(q?.shared_blks_hit), REASON.pgss),
        cell(fmtInt(q?.shared_blks_read), REASON.pgss),
        cell(fmtInt(q?.temp_blks_written), REASON.pgss),
        cell(fmtBytes(d.temp_bytes), REASON.pgStatDb),
        cell(fmtInt(d.blks_read), REASON.pgStatDb),
        cell(fmtBytes(d.os_read_bytes), REASON.osIo),
        cell(fmtBytes(d.os_write_bytes), REASON.osIo),
        cell(fmtNum(d.cpu_ms), REASON.cpu),
      ]);
    }
  }

  // --- DB I/O per product-list call, before vs after, over each variant's whole run
  const perCall = Object.fromEntries(present.map((n) => [n, perCallFigures(s.variants[n]!.db)])) as Partial<Record<VariantName, ReturnType<typeof perCallFigures>>>;
  const perCallReason = (n: VariantName) => (s.variants[n]!.db.product_list_query === null ? REASON.pgss : REASON.noCalls);
  const perCallRow = (label: string, pick: (f: ReturnType<typeof perCallFigures>) => number | null, fmt: (n: Num) => string | null, tempFromDb = false): Cell[] => {
    const vals = VARIANTS.map((n) => (perCall[n] ? pick(perCall[n]!) : null));
    return [
      txt(label),
      ...VARIANTS.map((n, i) => {
        if (!perCall[n]) return cell(null, REASON.notRun);
        const reason = tempFromDb && s.variants[n]!.db.temp_bytes === null ? REASON.pgStatDb : perCallReason(n);
        return cell(fmt(vals[i]), reason);
      }),
      ratioCell(vals[0], vals[1]),
    ];
  };
  const perCallTable: Table = {
    headers: ['Per product-list call (whole run)', 'before', 'after', 'before / after'],
    align: [L, R, R, R],
    rows: [
      [txt('Calls'), ...VARIANTS.map((n) => (perCall[n] ? cell(fmtInt(perCall[n]!.calls), perCallReason(n)) : cell(null, REASON.notRun))), txt('')],
      perCallRow('Mean time', (f) => f.meanMs, fmtMs),
      perCallRow('Temp bytes / call', (f) => f.tempBytes, fmtBytes, true),
      perCallRow('Temp blocks written / call', (f) => f.tempBlocks, fmtNum),
      perCallRow('Buffers (shared hit + read) / call', (f) => f.buffers, fmtNum),
      perCallRow('Shared blocks read / call', (f) => f.reads, fmtNum),
    ],
  };
  sections.push({
    id: 'db',
    title: 'Database I/O',
    paragraphs: [
      'Per phase, from pg_stat_statements (product-list query), pg_stat_database (temp bytes, blocks read) and the database server\'s process counters (OS bytes, CPU). ' +
        'Temp bytes per call divide all temporary-file bytes by the product-list calls: during the run that query is the one that spills to disk.',
    ],
    tables: [
      {
        headers: ['Variant', 'Phase', 'Product-list calls', 'Mean', 'Shared hits', 'Shared reads', 'Temp blocks written', 'Temp bytes', 'Blocks read', 'OS read', 'OS write', 'CPU ms'],
        align: [L, L, R, R, R, R, R, R, R, R, R, R],
        rows: dbRows,
      },
      perCallTable,
    ],
  });

  sections.push(diagnosisSection(s, present));

  // --- EXPLAIN
  const ex = (n: VariantName) => s.variants[n]?.explain;
  const explainRow = (label: string, pick: (e: NonNullable<ReturnType<typeof ex>>) => number, fmt: (n: Num) => string | null): Cell[] => {
    const vals = VARIANTS.map((n) => (ex(n) ? pick(ex(n)!) : null));
    return [
      txt(label),
      ...vals.map((v, i) => (ex(VARIANTS[i]) ? cell(fmt(v), 'EXPLAIN did not report this figure.') : cell(null, REASON.notRun))),
      ratioCell(vals[0], vals[1]),
    ];
  };
  sections.push({
    id: 'explain',
    title: 'EXPLAIN (ANALYZE, BUFFERS) of the product-list query',
    paragraphs: ['Buffers touched = shared hit + shared read + temp read + temp written at the plan\'s top node: it measures the work and, unlike time, does not vary between runs.'],
    tables: [
      {
        headers: ['', 'before', 'after', 'before / after'],
        align: [L, R, R, R],
        rows: [
          explainRow('Execution time', (e) => e.execution_ms, fmtMs),
          explainRow('Buffers touched', (e) => e.buffers_touched, fmtInt),
          explainRow('Temp blocks written', (e) => e.temp_blocks_written, fmtInt),
        ],
      },
    ],
  });

  // --- comparison
  sections.push({
    id: 'comparison',
    title: 'Comparison',
    paragraphs: ['Ratios are before / after of the product-list p95: above 1 the fix is faster.'],
    tables: [
      {
        headers: ['', 'before / after'],
        align: [L, R],
        rows: [
          [txt('Tripled-phase product-list p95'), cell(fmtRatio(s.comparison?.tripled_p95_ratio), REASON.ratio)],
          [txt('Baseline product-list p95'), cell(fmtRatio(s.comparison?.baseline_p95_ratio), REASON.ratio)],
        ],
      },
    ],
  });

  // --- calibration
  const c = s.traffic.calibration;
  const capReason =
    c.method === 'given'
      ? 'the baseline rate was given on the command line (--baseline-rate), so no capacity probe ran.'
      : 'the calibration probe did not produce this figure.';
  sections.push({
    id: 'calibration',
    title: 'Calibration of the baseline rate',
    paragraphs: [
      c.method === 'measured'
        ? `The baseline rate was calibrated so that the before variant runs at about ${fmtPct(c.target_utilisation)} of its measured product-list capacity; ${fmtNum(s.traffic.multiplier)}x that overloads it, as in the incident.`
        : 'The baseline rate was given on the command line, not measured.',
    ],
    tables: [
      facts([
        ['Method', txt(c.method)],
        ['Measured product-list capacity', cell(c.product_list_capacity_rps === null ? null : `${fmtNum(c.product_list_capacity_rps)} requests/s`, capReason)],
        ['Mean product-list service time', cell(fmtMs(c.service_time_ms), capReason)],
        ['Product-list requests per visitor', txt(fmtNum(c.product_list_requests_per_visitor) ?? 'n/a')],
        ['Target utilisation at baseline', txt(fmtPct(c.target_utilisation) ?? 'n/a')],
        ['Formula', txt(c.formula)],
        ['Resulting baseline', txt(`${fmtNum(s.traffic.baseline_visitors_per_min)} visitors/min`)],
      ]),
    ],
  });

  // --- machine
  const m = s.machine;
  sections.push({
    id: 'machine',
    title: 'Machine',
    paragraphs: [],
    tables: [
      facts([
        ['CPUs', txt(String(m.cpus))],
        ['Node', txt(m.node)],
        ['PostgreSQL', txt(`${m.postgres} (${m.database})`)],
        ['OS', txt(m.os)],
      ]),
    ],
  });

  // --- thresholds
  const thresholdNames = [...new Set(present.flatMap((n) => Object.keys(s.variants[n]!.thresholds ?? {})))].sort();
  const thRows: Cell[][] = thresholdNames.map((t) => [
    txt(t),
    ...present.map((n): Cell => {
      const r = s.variants[n]!.thresholds?.[t];
      return r ? { text: r.ok ? 'pass' : 'fail', status: r.ok ? 'pass' : 'fail' } : cell(null, REASON.noThreshold);
    }),
  ]);
  thRows.push([
    txt('Runner exit code'),
    ...present.map((n): Cell => {
      const code = s.variants[n]!.runner_exit_code;
      return { text: code === 99 ? '99 (thresholds failed)' : String(code), status: code === 0 ? 'pass' : 'fail' };
    }),
  ]);
  sections.push({
    id: 'thresholds',
    title: 'Thresholds',
    paragraphs: present.includes('before') ? ['The before variant is expected to fail its thresholds at the tripled rate: that is the outage being replayed.'] : [],
    tables: [{ headers: ['Threshold', ...present], align: [L, ...present.map(() => R)], rows: thRows }],
  });

  const title = `Incident replay: preset ${s.preset} (${fmtInt(s.dates)} dates), run ${s.run_id}`;
  const subtitle = `${present.length ? present.join(' vs ') : 'no variants'} · ${fmtNum(s.traffic.baseline_visitors_per_min)} → ${fmtNum(
    s.traffic.baseline_visitors_per_min * s.traffic.multiplier,
  )} visitors/min · ${s.started_at}`;
  return { title, subtitle, verdict: verdictText(s), sections, notes: notes.list };
}
