// load:timeline end to end on tiny --quick: the run folder's contract (summary.json loadlab.timeline/v1, the
// report) and what each switch did to the visitors, read from the run's own figures; the chart drawn in Chromium.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { stateDir } from '../harness/files/paths.ts';
import { PERIOD_NAMES } from '../harness/timeline/types.ts';
import { loadTestDataDir as testDataDir } from './helpers/db.ts';
import { expectUserErrors, postmastersOn, runCli } from './helpers/processes.ts';

const outRoot = path.join(stateDir, 'test-reports');
const env = { LOADLAB_PGDATA: testDataDir };
const CHROMIUM = '/usr/bin/chromium';

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isCount = (v: unknown) => Number.isInteger(v) && (v as number) >= 0;
const isRateOrNull = (v: unknown) => v === null || (isNum(v) && v >= 0 && v <= 1);

interface Group {
  count: number;
  p95_ms: number | null;
  failed_rate: number | null;
  queue_pages: number;
}
interface Period {
  name: string;
  clock: string;
  start_s: number;
  end_s: number;
  hot: Group;
  others: Group;
}

test('load:timeline --preset tiny --quick plays the day and writes the timeline contract', { timeout: 240_000 }, async (t) => {
  const out = path.join(outRoot, `timeline-${process.pid}`);
  rmSync(out, { recursive: true, force: true });
  const t0 = performance.now();
  const r = await runCli('load:timeline', ['--preset', 'tiny', '--quick', '--out', out], env);
  const seconds = (performance.now() - t0) / 1000;
  assert.equal(r.code, 0, `exit code; stderr: ${r.stderr.slice(-2000)}`);
  assert.ok(seconds < 180, `the quick run took ${seconds.toFixed(0)} s (limit 180 s)`);
  assert.deepEqual(postmastersOn(testDataDir), [], 'no postgres process remains');
  for (const f of ['summary.json', 'series.json', 'report.md', 'report.html', 'k6-summary.json', 'k6-points.json.gz', 'db-samples.ndjson']) assert.ok(existsSync(path.join(out, f)), `${f} exists`);
  assert.ok(!existsSync(path.join(out, 'INCOMPLETE')));
  assert.deepEqual(readdirSync(out).filter((f) => f.endsWith('.tmp')), []);

  const s = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8'));
  assert.equal(s.schema, 'loadlab.timeline/v1');
  const periods = s.periods as Period[];
  assert.deepEqual(periods.map((p) => p.name), [...PERIOD_NAMES]);
  assert.deepEqual(periods.map((p) => p.clock), ['until 12:07', '12:07', '13:22', '13:44', '13:48', '18:30']);
  periods.forEach((p, i) => {
    assert.equal(p.start_s, i === 0 ? 0 : periods[i - 1].end_s, `${p.name} starts where the last ended`);
    assert.ok(p.end_s > p.start_s);
    for (const g of ['hot', 'others'] as const) {
      assert.ok(isCount(p[g].count) && p[g].count > 0, `${p.name}.${g}.count`);
      assert.ok(p[g].p95_ms === null || isNum(p[g].p95_ms), `${p.name}.${g}.p95_ms`);
      assert.ok(isRateOrNull(p[g].failed_rate), `${p.name}.${g}.failed_rate`);
    }
  });
  assert.ok(s.probe_ms === null || isNum(s.probe_ms));
  assert.ok(isNum(s.probe.baseline_ms) && isNum(s.probe_ms), 'the old query was probed idle and during the cut');

  // each switch, as the visitors met it (a switch lands within a second of its period's start: margins)
  const at = (name: string) => periods.find((p) => p.name === name)!;
  assert.equal(at('normal').hot.failed_rate, 0);
  for (const g of ['hot', 'others'] as const) assert.ok(at('access-cut')[g].failed_rate! >= 0.9, `access cut turns ${g} away`);
  assert.ok(at('queue').hot.queue_pages > 0, 'hot visitors met the queue');
  assert.ok(at('queue').hot.count > 0 && at('queue').hot.failed_rate! < 0.05, 'and went on through the shop once let in');
  assert.ok(at('shop-disabled').hot.failed_rate! >= 0.9, 'the hot shop is not available');
  assert.ok(at('shop-disabled').others.failed_rate! < 0.05, 'the other shops are');
  assert.ok(at('fixed').hot.failed_rate! < 0.05);
  assert.deepEqual(s.switches.map((w: { period: string }) => w.period), ['access-cut', 'queue', 'shop-disabled', 'fixed']);
  for (const w of s.switches) assert.ok(Math.abs(w.at_s - w.planned_s) < 2, `${w.period} switched at ${w.at_s} s, planned ${w.planned_s} s`);
  assert.equal(s.switches.at(-1).state.variant, 'after');
  assert.ok(s.traffic.queue.visitors_per_minute < s.traffic.hot_visitors_per_min * s.traffic.multiplier, 'the queue admits fewer than arrive');
  assert.equal(s.shape.length, 5);
  for (const c of s.shape) assert.ok(typeof c.name === 'string' && typeof c.ok === 'boolean' && c.detail.length > 0);

  const md = readFileSync(path.join(out, 'report.md'), 'utf8');
  for (const p of periods) assert.ok(md.includes(`${p.clock} ${p.name}`), `report.md has a table for ${p.name}`);

  if (!existsSync(CHROMIUM)) t.diagnostic('chromium not installed: the chart was not checked in a browser');
  else await checkChart(path.join(out, 'report.html'), periods.at(-1)!.end_s);
  rmSync(out, { recursive: true, force: true });
});

/** The chart is drawn and what it was given and painted spans the whole day: data and period bands. */
async function checkChart(file: string, dayS: number): Promise<void> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(pathToFileURL(file).href);
    await page.waitForFunction('window.__chartsDrawn === 1', null, { timeout: 10_000 });
    // page code as a string: the project compiles without the DOM lib
    const drawn = (await page.evaluate(`(() => {
      const spec = JSON.parse(document.getElementById('report-data').textContent).charts[0];
      const canvas = document.querySelector('#chart-timeline canvas');
      const ctx = canvas.getContext('2d');
      const hex = (c) => [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16));
      // columns (in tenths of the width) where a line of the hot and the other shops' colour was painted
      const columns = (rgb) => {
        const img = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
        const hit = new Set();
        for (let i = 0; i < img.length; i += 4) {
          if (Math.abs(img[i] - rgb[0]) < 12 && Math.abs(img[i + 1] - rgb[1]) < 12 && Math.abs(img[i + 2] - rgb[2]) < 12) hit.add(Math.floor(((i / 4) % canvas.width) / canvas.width * 10));
        }
        return [...hit].sort((a, b) => a - b);
      };
      return {
        x: [spec.x[0], spec.x[spec.x.length - 1]],
        labels: spec.phases.map((p) => p.label),
        series: spec.series.map((s) => s.label),
        hot: columns(hex(spec.series[0].color)),
        others: columns(hex(spec.series[1].color)),
      };
    })()`)) as { x: number[]; labels: string[]; series: string[]; hot: number[]; others: number[] };
    assert.deepEqual(errors, []);
    assert.equal(drawn.x[0], 0);
    assert.ok(drawn.x[1] >= dayS - 2, `the data reaches ${drawn.x[1]} s of a ${dayS} s day`);
    assert.deepEqual(drawn.labels, ['until 12:07 normal', '12:07 tripled', '13:22 access-cut', '13:44 queue', '13:48 shop-disabled', '18:30 fixed']);
    assert.deepEqual(drawn.series.slice(0, 4), ['hot p95', 'others p95', 'hot errors %', 'others errors %']);
    // painted from the first tenth of the plot to the last (the axes take some of the canvas' edges)
    for (const [name, cols] of [['hot', drawn.hot], ['others', drawn.others]] as const) {
      assert.ok(cols.length >= 7 && Math.min(...cols) <= 1 && Math.max(...cols) >= 8, `${name} lines painted across the day: tenths ${cols.join(',')}`);
    }
  } finally {
    await browser.close();
  }
}

test('load:timeline rejects bad input with one line and starts nothing', async () => {
  const notARun = path.join(outRoot, 'timeline-not-a-run');
  mkdirSync(notARun, { recursive: true });
  writeFileSync(path.join(notARun, 'thesis.txt'), 'precious');
  const cases: [string[], RegExp][] = [
    [['--preset', 'galactic'], /unknown preset 'galactic'/],
    [['--queue-rate', '0'], /--queue-rate 0 is out of range \(accepted: 1 to/],
    [['--baseline-rate=-5'], /--baseline-rate '-5'/],
    [['--speed', 'fast'], /Unknown option '--speed'/],
    [['--out', notARun], /exists and is not a loadlab run folder/],
  ];
  await expectUserErrors('load:timeline', cases, env);
  assert.equal(readFileSync(path.join(notARun, 'thesis.txt'), 'utf8'), 'precious');
});
