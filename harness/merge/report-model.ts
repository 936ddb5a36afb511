// The merged incident run as the kit's report document (report/document.ts), so report.md and report.html say the
// same: the instances, each phase's requests, what the charts show per second in words, the endpoints, the
// thresholds over the whole, and plainly that the database was not sampled.
import { fmtInt, fmtMs, fmtNum, fmtPct } from '../cli/format.ts';
import { Footnotes, L, R, txt } from '../report/cells.ts';
import type { Cell, ReportModel, Section, Table } from '../report/document.ts';
import type { RequestFigures } from '../load/request-figures.ts';
import type { MergedIncident } from './figures.ts';
import type { MergeRecord } from './record.ts';
import { NO_DB_SAMPLES } from './charts.ts';
import { phasePeaks, type MergedSeries, type Peak, type PhasePeaks } from './series.ts';

const NO_REQUESTS = 'no request of this kind was sent in this phase, so nothing was measured.';
const NO_SECOND = 'no second of this phase had such a request.';

const secs = (s: number) => `${fmtNum(s)} s`;
const peakText = (p: Peak | null, f: (v: number) => string | null) => (p ? `${f(p.value)} at ${secs(p.t_s)}` : null);

function figureCells(f: RequestFigures, notes: Footnotes): Cell[] {
  return [
    txt(fmtInt(f.count) ?? '0'),
    notes.cell(fmtMs(f.p95_ms), NO_REQUESTS),
    notes.cell(fmtPct(f.failed_rate), NO_REQUESTS),
  ];
}

function instancesSection(record: MergeRecord, series: MergedSeries): Section {
  return {
    id: 'instances',
    title: 'Instances',
    paragraphs: [
      `${record.instances.length} instances of ${record.script}, merged over ${record.first} .. ${record.last}. ` +
        `Time in the charts and tables is seconds since ${series.start}: the first point of any file, or the first request's send time when earlier.`,
    ],
    tables: [
      {
        headers: ['file', 'segment', 'first point', 'last point'],
        align: [L, L, L, L],
        rows: record.instances.map((i) => [
          txt(i.file),
          txt(i.execution_segment ?? 'not recorded'),
          txt(i.first),
          txt(i.last),
        ]),
      },
    ],
  };
}

function phasesSection(figures: MergedIncident, notes: Footnotes): Section {
  return {
    id: 'phases',
    title: 'Phases',
    paragraphs: [
      "Every instance's requests of a scenario together, each counted once; dropped visitors are arrivals the executors could not start.",
    ],
    tables: [
      {
        headers: ['phase', 'requests', 'p95', 'failed', 'dropped visitors'],
        align: [L, R, R, R, R],
        rows: figures.phases.map((p) => [
          txt(p.name),
          ...figureCells(p.requests, notes),
          txt(fmtInt(p.dropped) ?? '0'),
        ]),
      },
    ],
  };
}

function peakSentence(p: PhasePeaks): string {
  const span = `${p.phase.name} (${secs(p.phase.start_s)} to ${secs(p.phase.end_s)})`;
  if (!p.p95) return `${span}: no request was sent in these seconds.`;
  const pl = p.productListP95
    ? `the product list's p95 per second peaked at ${peakText(p.productListP95, fmtMs)}`
    : 'no product-list request was sent';
  return (
    `${span}: ${pl}, the p95 of all requests at ${peakText(p.p95, fmtMs)}; ` +
    `throughput reached ${peakText(p.rps, (v) => `${fmtNum(v)} requests/s`)} and ${p.errorRate?.value ? `the failed share ${peakText(p.errorRate, fmtPct)}` : 'no request failed'}.`
  );
}

function perSecondSection(series: MergedSeries, notes: Footnotes): Section {
  const peaks = phasePeaks(series);
  const cell = (p: Peak | null, f: (v: number) => string | null) => notes.cell(peakText(p, f), NO_SECOND);
  const table: Table = {
    headers: ['phase', 'from', 'to', 'peak product-list p95', 'peak p95, all', 'peak requests/s', 'peak failed'],
    align: [L, R, R, R, R, R, R],
    rows: peaks.map((p) => [
      txt(p.phase.name),
      txt(secs(p.phase.start_s)),
      txt(secs(p.phase.end_s)),
      cell(p.productListP95, fmtMs),
      cell(p.p95, fmtMs),
      cell(p.rps, fmtNum),
      p.errorRate?.value === 0 ? txt('0 %') : cell(p.errorRate, fmtPct),
    ]),
  };
  return {
    id: 'per-second',
    title: 'Per second: the charts in words',
    paragraphs: [
      "The highest value of each chart in the seconds each phase spans (from its first to its last point; phases overlap while one's last visitors finish).",
      ...peaks.map(peakSentence),
    ],
    tables: [table],
  };
}

function endpointsSection(figures: MergedIncident, notes: Footnotes): Section {
  return {
    id: 'endpoints',
    title: 'Endpoints per phase',
    paragraphs: [],
    tables: [
      {
        headers: ['phase', 'endpoint', 'requests', 'p95', 'failed'],
        align: [L, L, R, R, R],
        rows: figures.phases.flatMap((p) =>
          p.endpoints.map(([n, f]) => [txt(p.name), txt(n), ...figureCells(f, notes)]),
        ),
      },
    ],
  };
}

function thresholdsSection(record: MergeRecord): Section {
  return {
    id: 'thresholds',
    title: `Thresholds over the whole: ${record.thresholds_failed ? 'FAILED' : 'passed'}`,
    paragraphs: ["The script's thresholds judged over every instance's samples together, as one instance would have."],
    tables: [
      {
        headers: ['metric', 'threshold', 'over the whole'],
        align: [L, L, R],
        rows: record.thresholds.map((t) => [
          txt(t.metric),
          txt(t.threshold),
          { text: t.ok ? 'pass' : 'fail', status: t.ok ? 'pass' : 'fail' },
        ]),
      },
    ],
  };
}

function databaseSection(): Section {
  return {
    id: 'database',
    title: 'Database',
    paragraphs: [
      `${NO_DB_SAMPLES} So this report has no I/O figures: no temporary files or disk reads per phase, no statement diagnosis, no EXPLAIN of the product list.`,
      'To see them, sample the database while the instances run (npm run db:stats -- --out FILE beside the shop, or npm run diagnose against it), or replay on one machine with npm run load:incident.',
    ],
    tables: [],
  };
}

function verdict(record: MergeRecord, series: MergedSeries): string {
  const failed = record.thresholds.filter((t) => !t.ok);
  const out = [
    failed.length
      ? `Over all ${record.instances.length} instances' samples the thresholds FAILED (${failed.length} of ${record.thresholds.length}: ${failed.map((t) => `${t.metric} ${t.threshold}`).join(', ')}).`
      : `Over all ${record.instances.length} instances' samples every threshold passed (${record.thresholds.length}).`,
  ];
  const peaks = phasePeaks(series).filter((p) => p.productListP95);
  const top = peaks.reduce<PhasePeaks | null>(
    (a, p) => (a === null || p.productListP95!.value > a.productListP95!.value ? p : a),
    null,
  );
  if (top)
    out.push(
      `The product list's p95 per second peaked at ${fmtMs(top.productListP95!.value)} in the ${top.phase.name} phase (at ${secs(top.productListP95!.t_s)}).`,
    );
  return out.join(' ');
}

export function buildMergedModel(record: MergeRecord, figures: MergedIncident, series: MergedSeries): ReportModel {
  const notes = new Footnotes();
  const sections = [
    instancesSection(record, series),
    phasesSection(figures, notes),
    perSecondSection(series, notes),
    endpointsSection(figures, notes),
    thresholdsSection(record),
    databaseSection(),
  ];
  return {
    title: `Incident replay, merged from ${record.instances.length} instances`,
    subtitle: `${record.script} · ${record.first} .. ${record.last} (${secs(series.range_s)})`,
    verdict: verdict(record, series),
    sections,
    notes: notes.list,
  };
}
