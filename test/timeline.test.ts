// load:timeline end to end on tiny --quick: the run folder's contract (summary.json loadlab.timeline/v1, the
// report) and what each switch did to the visitors, read from the run's own figures; the chart drawn in Chromium.
import { after, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  PERIOD_NAMES,
  timelineSummarySchema,
  type TimelineSeries,
  type TimelineSummary,
} from '../harness/timeline/types.ts';
import { ownDataDir } from './helpers/db.ts';
import { expectUserErrors, postmastersOn, runCli } from './helpers/processes.ts';
import { checkRerender } from './helpers/rerender.ts';
import { inPage, withBrowser } from './helpers/browser.ts';
import { checkCharts, readPlotted, timelineExpectations } from './helpers/chart-readback.ts';
import { sharedTimeout } from './helpers/timeouts.ts';
import { replicaDataDir } from '../harness/db/replicas.ts';
import { effectiveDataDir } from '../harness/db/server-files.ts';

const testDataDir = ownDataDir(import.meta.url);

// runs go to a folder of the test's own, never to reports/ (where they would move reports/latest)
const outRoot = mkdtempSync(path.join(os.tmpdir(), 'loadlab-timeline-test-'));
after(() => rmSync(outRoot, { recursive: true, force: true }));
const env = { LOADLAB_PGDATA: testDataDir };

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

test('load:timeline --preset tiny --quick plays the day and writes the timeline contract', {
  timeout: sharedTimeout(240_000),
}, async (t) => {
  const out = path.join(outRoot, `timeline-${process.pid}`);
  rmSync(out, { recursive: true, force: true });
  const t0 = performance.now();
  const r = await runCli('load:timeline', ['--preset', 'tiny', '--quick', '--out', out], env);
  const seconds = (performance.now() - t0) / 1000;
  assert.equal(r.code, 0, `exit code; stderr: ${r.stderr.slice(-2000)}`);
  // its budget (180 s) is npm run bench:budgets' to check: a busy machine must not fail this test on time alone
  t.diagnostic(`the quick run took ${seconds.toFixed(0)} s`);
  for (const dir of [
    testDataDir,
    replicaDataDir(effectiveDataDir(testDataDir), 0),
    replicaDataDir(effectiveDataDir(testDataDir), 1),
  ])
    assert.deepEqual(postmastersOn(dir), [], `no postgres process remains on ${dir}`);
  for (const f of [
    'summary.json',
    'series.json',
    'report.md',
    'report.html',
    'k6-summary.json',
    'k6-points.json.gz',
    'db-samples.ndjson',
    // the live diagnosis beside the day
    'diagnosis.ndjson',
    'diagnosis.md',
    // each server of the platform, every second
    'server-samples.ndjson',
  ])
    assert.ok(existsSync(path.join(out, f)), `${f} exists`);
  assert.ok(!existsSync(path.join(out, 'INCOMPLETE')));
  assert.deepEqual(
    readdirSync(out).filter((f) => f.endsWith('.tmp')),
    [],
  );
  assert.match(
    r.stdout,
    new RegExp(`report: ${out}/report\\.md \\(outside reports/, so reports/latest was left as it was\\)`),
  );

  const s = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8'));
  assert.equal(s.schema, 'loadlab.timeline/v1');
  assert.deepEqual(timelineSummarySchema.safeParse(s).error?.issues ?? [], [], 'summary.json passes its own schema');
  const periods = s.periods as Period[];
  assert.deepEqual(
    periods.map((p) => p.name),
    [...PERIOD_NAMES],
  );
  assert.deepEqual(
    periods.map((p) => p.clock),
    ['until 12:07', '12:07', '12:50', '13:05', '13:22', '13:44', '13:48', '18:30'],
  );
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
  for (const g of ['hot', 'others'] as const)
    assert.ok(at('access-cut')[g].failed_rate! >= 0.9, `access cut turns ${g} away`);
  assert.ok(at('queue').hot.queue_pages > 0, 'hot visitors met the queue');
  assert.ok(
    at('queue').hot.count > 0 && at('queue').hot.failed_rate! < 0.05,
    'and went on through the shop once let in',
  );
  assert.ok(at('shop-disabled').hot.failed_rate! >= 0.9, 'the hot shop is not available');
  assert.ok(at('shop-disabled').others.failed_rate! < 0.05, 'the other shops are');
  assert.ok(at('fixed').hot.failed_rate! < 0.05);
  assert.deepEqual(
    s.switches.map((w: { period: string }) => w.period),
    ['reroute', 'all-primary', 'access-cut', 'queue', 'shop-disabled', 'fixed'],
  );
  for (const w of s.switches)
    assert.ok(Math.abs(w.at_s - w.planned_s) < 2, `${w.period} switched at ${w.at_s} s, planned ${w.planned_s} s`);
  assert.equal(s.switches.at(-1).state.variant, 'after');
  assert.ok(
    s.traffic.queue.visitors_per_minute < s.traffic.hot_visitors_per_min * s.traffic.multiplier,
    'the queue admits fewer than arrive',
  );
  // the post-mortem's 7, then the platform's: the reads server carries the temp writes in tripled, reroute and
  // all-primary, the writes slow down, nothing lost, diagnose after each move
  assert.equal(s.shape.length, 15);
  for (const c of s.shape) assert.ok(typeof c.name === 'string' && typeof c.ok === 'boolean' && c.detail.length > 0);
  checkPlatform(s, periods);

  const md = readFileSync(path.join(out, 'report.md'), 'utf8');
  for (const p of periods) assert.ok(md.includes(`${p.clock} ${p.name}`), `report.md has a table for ${p.name}`);
  assert.match(md, /12:50 reroute \(time assumed\)/);
  assert.match(md, /Which server carried the load/);

  const series = JSON.parse(readFileSync(path.join(out, 'series.json'), 'utf8')) as TimelineSeries;
  await checkChart(t, path.join(out, 'report.html'), series, periods.at(-1)!.end_s);
  // npm run report re-renders the folder byte for byte, and names a broken field in one line
  await checkRerender(
    out,
    ['periods', 2, 'hot', 'p95_ms'],
    'slow',
    /^error: .*summary\.json: periods\[2\]\.hot\.p95_ms: .*\(expected a loadlab\.timeline\/v1 summary\)\n$/,
  );
  rmSync(out, { recursive: true, force: true });
});

interface ServerFigures {
  name: string;
  role: string;
  reads: boolean;
  temp_bytes_per_s: number | null;
  running_avg: number | null;
  replication_lag_ms: number | null;
  product_list_calls?: number | null;
}

/**
 * The platform as the run's figures show it: the reads on replica-1, then replica-2 after the reroute, then the
 * primary (the product-list statements each server ran say where the reads went, also on tiny, where no server
 * spills to temp files); the writes on the primary and none lost; each replica's lag measured.
 */
function checkPlatform(s: TimelineSummary, periods: Period[]): void {
  assert.deepEqual(s.topology?.servers, [
    { name: 'primary', role: 'primary' },
    { name: 'replica-1', role: 'replica' },
    { name: 'replica-2', role: 'replica' },
  ]);
  const reads: Record<string, string> = { normal: 'replica-1', tripled: 'replica-1', reroute: 'replica-2' };
  for (const p of periods as (Period & { servers: ServerFigures[]; time_assumed?: boolean })[]) {
    assert.deepEqual(
      p.servers.map((x) => x.name),
      ['primary', 'replica-1', 'replica-2'],
    );
    const reader = p.servers.find((x) => x.reads)!;
    assert.equal(reader.name, reads[p.name] ?? 'primary', `${p.name} reads`);
    assert.equal(p.time_assumed === true, p.name === 'reroute' || p.name === 'all-primary');
    for (const x of p.servers) {
      assert.ok(x.temp_bytes_per_s === null || x.temp_bytes_per_s >= 0);
      assert.ok(x.running_avg === null || x.running_avg >= 0);
      if (x.role === 'primary') assert.equal(x.replication_lag_ms, null);
    }
    if (!['normal', 'tripled', 'reroute', 'all-primary'].includes(p.name)) continue;
    const calls = p.servers.reduce((a, x) => a + (x.product_list_calls ?? 0), 0);
    assert.ok(calls > 0, `${p.name}: product lists were read`);
    assert.ok(
      (reader.product_list_calls ?? 0) / calls >= 0.8,
      `${p.name}: ${reader.name} ran ${reader.product_list_calls} of ${calls} product lists`,
    );
  }
  assert.ok(
    periods.some((p) =>
      (p as Period & { servers: ServerFigures[] }).servers.some(
        (x) => x.role === 'replica' && x.replication_lag_ms !== null,
      ),
    ),
    'a replay lag was measured',
  );
  const noLoss = s.shape.find((c: { name: string }) => c.name.startsWith('moves: every cart'));
  assert.equal(noLoss?.ok, true, noLoss?.detail);
  assert.ok(s.no_loss && s.no_loss.cart_adds > 0 && s.no_loss.checkouts > 0, 'writes were made during the moves');
  assert.deepEqual(
    s.moves?.map((m: { period: string; server: string }) => [m.period, m.server]),
    [
      ['reroute', 'replica-2'],
      ['all-primary', 'primary'],
    ],
  );
  const restart = s.switches.find((w: { period: string }) => w.period === 'reroute');
  assert.equal(restart?.state.reads, 'replica-2');
}

/**
 * The chart read back in Chromium: every series of series.json plotted over the whole day (x from 0 to the
 * day's end, marks in each of its tenths, series.json's maximum), and the periods' bands labelled with the
 * post-mortem's clock times.
 */
async function checkChart(t: TestContext, file: string, series: TimelineSeries, dayS: number): Promise<void> {
  await withBrowser(t, async (browser) => {
    const page = await inPage(browser, file, async (p) => ({
      plotted: await readPlotted(p),
      // page code as a string: the project compiles without the DOM lib
      bands: (await p.evaluate(
        `JSON.parse(document.getElementById('chart-data').textContent).charts[0].bands.map((b) => b.label)`,
      )) as string[],
    }));
    assert.deepEqual([page.pageErrors, page.consoleErrors, page.foreignRequests], [[], [], []]);
    assert.equal(page.plotted.length, 3, "the day's chart, the servers' and diagnose's band under them");
    const expected = timelineExpectations(series, dayS);
    assert.ok(
      expected.some((e) => e.chart === 'chart-diagnose'),
      "series.json holds diagnose's verdicts",
    );
    assert.deepEqual(
      expected.slice(0, 4).map((e) => e.label),
      ['hot p95', 'others p95', 'hot errors %', 'others errors %'],
    );
    assert.deepEqual(checkCharts(page.plotted, expected, { window: [0, dayS], xRange: 'exact', bins: 10 }), []);
    assert.deepEqual(page.bands, [
      'until 12:07 normal',
      '12:07 tripled',
      '12:50 (time assumed) reroute',
      '13:05 (time assumed) all-primary',
      '13:22 access-cut',
      '13:44 queue',
      '13:48 shop-disabled',
      '18:30 fixed',
    ]);
  });
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
    [['--replicas', '9'], /--replicas 9 is out of range \(accepted: 0 to 5/],
    [['--replica-url', 'postgres://h/db'], /--replica-url needs DATABASE_URL/],
    [['--out', notARun], /exists and is not a loadlab run folder/],
  ];
  await expectUserErrors('load:timeline', cases, env);
  assert.equal(readFileSync(path.join(notARun, 'thesis.txt'), 'utf8'), 'precious');
});
