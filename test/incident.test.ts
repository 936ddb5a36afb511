import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ownDataDir } from './helpers/db.ts';
import {
  expectNoneLeft,
  expectUserErrors,
  harnessProcesses,
  loadPlaying,
  postmastersOn,
  runCli,
} from './helpers/processes.ts';
import { readLoadPoints } from '../harness/load/k6-points.ts';
import { percentile, requestFigures, sentAt, sentBetween } from '../harness/load/request-figures.ts';
import { fmtInt, fmtMs, fmtPct } from '../harness/cli/format.ts';
import { inPage, withBrowser } from './helpers/browser.ts';
import { checkCharts, incidentExpectations, phaseWindow, readPlotted } from './helpers/chart-readback.ts';
import { escapeMd } from '../harness/report/render-md.ts';
import { sharedTimeout } from './helpers/timeouts.ts';

const testDataDir = ownDataDir(import.meta.url);

// runs go to a folder of the test's own, never to reports/ (where they would move reports/latest)
const outRoot = mkdtempSync(path.join(os.tmpdir(), 'loadlab-incident-test-'));
after(() => rmSync(outRoot, { recursive: true, force: true }));
const env = { LOADLAB_PGDATA: testDataDir };

const isNum = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
const isNumOrNull = (v: unknown) => v === null || isNum(v);

test('load:incident --preset tiny --quick writes every contract file and field', {
  timeout: sharedTimeout(180_000),
}, async (t) => {
  const out = path.join(outRoot, `run-${process.pid}`);
  rmSync(out, { recursive: true, force: true });
  const t0 = performance.now();
  const r = await runCli('load:incident', ['--preset', 'tiny', '--quick', '--out', out], env);
  const seconds = (performance.now() - t0) / 1000;
  assert.equal(r.code, 0, `exit code; stderr: ${r.stderr.slice(-2000)}`);
  // outside reports/, the run says so and leaves reports/latest alone (test/run.ts checks reports/ over the suite)
  assert.match(
    r.stdout,
    new RegExp(`report: ${out}/report\\.md \\(outside reports/, so reports/latest was left as it was\\)`),
  );
  // its budget (120 s) is npm run bench:budgets' to check: a busy machine must not fail this test on time alone
  t.diagnostic(`the quick run took ${seconds.toFixed(0)} s`);
  assert.deepEqual(postmastersOn(testDataDir), [], 'no postgres process remains');

  for (const f of [
    'summary.json',
    'report.md',
    'report.html',
    'k6-summary-before.json',
    'k6-summary-after.json',
    'db-samples-before.ndjson',
    'db-samples-after.ndjson',
    'explain-before.json',
    'explain-after.json',
    // the live diagnosis beside each variant's replay
    'diagnose-before/diagnosis.ndjson',
    'diagnose-after/diagnosis.md',
  ]) {
    assert.ok(existsSync(path.join(out, f)), `${f} exists`);
  }
  assert.ok(!existsSync(path.join(out, 'INCOMPLETE')), 'the run is not marked incomplete');
  assert.deepEqual(
    readdirSync(out).filter((f) => f.endsWith('.tmp')),
    [],
    'no temporary files left',
  );

  const s = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8'));
  assert.equal(s.schema, 'loadlab.incident/v1');
  assert.equal(s.preset, 'tiny');
  assert.equal(s.dates, 300);
  assert.ok(typeof s.run_id === 'string' && s.run_id.length > 0);
  assert.ok(isNum(s.seed));
  assert.ok(isNum(s.machine.cpus) && typeof s.machine.node === 'string' && /^\d+/.test(s.machine.postgres));
  assert.ok(s.traffic.baseline_visitors_per_min > 0);
  assert.equal(s.traffic.multiplier, 3);
  assert.equal(s.traffic.calibration.method, 'measured');
  assert.ok(s.traffic.calibration.product_list_capacity_rps > 0);
  assert.deepEqual(
    s.traffic.phases.map((p: { name: string }) => p.name),
    ['baseline', 'ramp', 'tripled'],
  );
  for (const variant of ['before', 'after']) {
    const v = s.variants[variant];
    assert.ok(v, `variant ${variant}`);
    for (const phase of ['baseline', 'tripled']) {
      const p = v.phases[phase];
      for (const k of ['requests', 'rps', 'p50_ms', 'p95_ms', 'p99_ms', 'error_rate', 'dropped_iterations'])
        assert.ok(isNum(p[k]), `${variant}.${phase}.${k}`);
      assert.ok(p.requests > 0, `${variant}.${phase} made requests`);
      assert.ok(p.error_rate >= 0 && p.error_rate <= 1);
      assert.ok(p.p50_ms <= p.p95_ms && p.p95_ms <= p.p99_ms, 'percentiles are ordered');
      const pl = p.endpoints['product-list'];
      assert.ok(
        pl && pl.requests > 0 && isNum(pl.p95_ms) && isNum(pl.error_rate),
        `${variant}.${phase} product-list endpoint`,
      );
      assert.ok(p.endpoints.calendar?.requests > 0, 'calendar endpoint');
      assert.ok(isNum(p.mean_ms) && p.mean_ms >= p.p50_ms / 2, `${variant}.${phase}.mean_ms`);
      // tiny keeps up: nothing is turned away, so the overload is set against the calibration's capacity
      assert.equal(p.capacity_from, 'calibration');
      assert.ok(p.overload > 0 && p.overload < 1, `${variant}.${phase}.overload ${p.overload}`);
    }
    const db = v.db;
    for (const k of ['temp_bytes', 'blks_read', 'blks_hit', 'os_read_bytes', 'os_write_bytes'])
      assert.ok(isNumOrNull(db[k]), `${variant}.db.${k}`);
    assert.ok(db.product_list_query, 'pg_stat_statements is on in the embedded server');
    for (const k of ['calls', 'mean_ms', 'shared_blks_hit', 'shared_blks_read', 'temp_blks_written'])
      assert.ok(isNum(db.product_list_query[k]), `${variant}.db.product_list_query.${k}`);
    assert.ok(db.product_list_query.calls > 0);
    assert.ok(isNum(db.os_read_bytes), 'local server: /proc I/O is read');
    for (const k of ['execution_ms', 'buffers_touched', 'temp_blocks_written'])
      assert.ok(isNum(v.explain[k]), `${variant}.explain.${k}`);
    const exported = JSON.parse(readFileSync(path.join(out, `k6-summary-${variant}.json`), 'utf8'));
    assert.ok(
      exported.metrics.http_reqs && exported.metrics['http_req_duration{name:product-list}'],
      'k6 summary-export shape',
    );
    const explain = JSON.parse(readFileSync(path.join(out, `explain-${variant}.json`), 'utf8'));
    assert.equal(explain.variant, variant);
  }
  assert.ok(isNum(s.comparison.tripled_p95_ratio) && isNum(s.comparison.baseline_p95_ratio));
  // tiny at a quick run's capped rate cannot collapse: the verdict must say so, not claim the outage
  assert.equal(s.comparison.shape_reproduced, false);
  assert.match(
    s.comparison.shape_reason,
    /^not reproduced: the machine served the tripled load, overload \d+\.\d\dx, /,
  );
  assert.equal(
    r.stdout.trim().split('\n').at(-1),
    `the post-mortem's shape: ${s.comparison.shape_reason}`,
    'the last line says whether the shape was reproduced',
  );
  // buffers are deterministic: the old query touches more of them than the fix, even on tiny
  assert.ok(s.variants.before.explain.buffers_touched > s.variants.after.explain.buffers_touched);
  // the report states each variant's own figures, not just its name in a table header
  const md = readFileSync(path.join(out, 'report.md'), 'utf8');
  for (const variant of ['before', 'after']) {
    for (const phase of ['baseline', 'tripled']) {
      const pl = s.variants[variant].phases[phase].endpoints['product-list'];
      const row = `| ${variant} | product-list | ${phase} | ${fmtInt(pl.requests)} | ${fmtMs(pl.p95_ms)} | ${fmtPct(pl.error_rate)} |`;
      assert.ok(md.includes(row), `report.md has ${row}`);
    }
  }
  assert.match(
    md.split('## Verdict')[1],
    new RegExp(
      `product-list p95 (went|rose) from ${fmtMs(s.variants.before.phases.baseline.endpoints['product-list'].p95_ms)} at baseline`,
    ),
  );

  // every percentile of the report comes from k6-points: the same samples the runner summarised itself
  for (const variant of ['before', 'after']) {
    const points = await readLoadPoints(path.join(out, `k6-points-${variant}.json.gz`));
    const durations = points.requests
      .filter((r) => r.scenario === 'tripled' && r.name === 'product-list')
      .map((r) => r.duration)
      .sort((a, b) => a - b);
    const ours = percentile(durations, 95);
    const exported = JSON.parse(readFileSync(path.join(out, `k6-summary-${variant}.json`), 'utf8'));
    const runners = exported.metrics['http_req_duration{scenario:tripled,name:product-list}']['p(95)'];
    t.diagnostic(
      `${variant}: tripled product-list p95 ${ours.toFixed(3)} ms (k6-points), ${runners.toFixed(3)} ms (runner), ${durations.length} requests`,
    );
    assert.ok(
      Math.abs(ours - runners) <= 0.005 * runners,
      `${variant}: tripled product-list p95 ${ours} ms here, ${runners} ms in the runner's summary (limit 0.5 %)`,
    );
    // the summary counts a request in the phase it was SENT in (harness/load/request-figures.ts): the tripled
    // phase starts baseline + ramp seconds after the first request and keeps what is still finishing after it
    const startMs = Math.min(...points.requests.map((r) => sentAt(r)));
    const tripledFromS = s.traffic.phases
      .filter((ph: { name: string }) => ph.name !== 'tripled')
      .reduce((sum: number, ph: { duration_s: number }) => sum + ph.duration_s, 0);
    const sent = sentBetween(points.requests, startMs + tripledFromS * 1000, Infinity).filter(
      (r) => r.name === 'product-list',
    );
    const pl = s.variants[variant].phases.tripled.endpoints['product-list'];
    assert.deepEqual(
      [pl.p95_ms, pl.requests],
      [requestFigures(sent).p95_ms, sent.length],
      'the summary holds the p95 of the product lists sent in the tripled phase, to 0.1 ms',
    );
  }
  // npm run report re-renders the report from the run's own files: the same report.md
  const firstMd = readFileSync(path.join(out, 'report.md'), 'utf8');
  const again = await runCli('report', [out]);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(readFileSync(path.join(out, 'report.md'), 'utf8'), firstMd, 'report.md re-rendered from the files');
  // a real run's charts, read back in the browser: each series of series.json drawn across the whole load
  const series = JSON.parse(readFileSync(path.join(out, 'series.json'), 'utf8'));
  await withBrowser(t, async (browser) => {
    const page = await inPage(browser, path.join(out, 'report.html'), async (p) => ({ plotted: await readPlotted(p) }));
    assert.deepEqual([page.pageErrors, page.consoleErrors, page.foreignRequests], [[], [], []]);
    assert.equal(page.plotted.length, 4, 'p95, throughput, DB and OS charts');
    assert.deepEqual(
      checkCharts(page.plotted, incidentExpectations(series), {
        window: phaseWindow(series),
        xRange: 'exact',
        bins: 7,
      }),
      [],
    );
  });
  // the diagnosis: every statement ranked by its share of the database's work, the product list among them,
  // its work per call in the run agreeing with the EXPLAIN of one date (the same blocks + temp blocks measure)
  for (const variant of ['before', 'after']) {
    const d = s.diagnosis?.[variant];
    assert.ok(d && d.statements.length >= 10, `diagnosis of ${variant}: ${JSON.stringify(d?.phases)}`);
    assert.deepEqual(
      d.phases.map((p: { name: string }) => p.name),
      ['baseline', 'ramp', 'tripled'],
    );
    const shares = d.statements.reduce((sum: number, x: { share: { tripled: number } }) => sum + x.share.tripled, 0);
    assert.ok(Math.abs(shares - 1) < 0.01, `shares of the peak add up to 1: ${shares}`);
    const pl = d.statements.find((x: { label: string | null }) => x.label === `loadlab:product-list:${variant}`);
    assert.ok(
      pl && pl.calls.baseline > 0 && pl.calls.tripled > pl.calls.baseline,
      `the product list in ${variant}'s diagnosis`,
    );
    const ratio = pl.work_per_call.baseline / s.variants[variant].explain.buffers_touched;
    assert.ok(
      ratio > 0.5 && ratio < 2,
      `${variant}: ${pl.work_per_call.baseline} blocks per call in the run, ${s.variants[variant].explain.buffers_touched} in the EXPLAIN`,
    );
  }
  const diagnosis = md.slice(md.indexOf('## Diagnosis'), md.indexOf('## EXPLAIN'));
  for (const variant of ['before', 'after'])
    assert.ok(
      diagnosis.includes(escapeMd(`${variant}: ${s.diagnosis[variant].verdict}.`)),
      `${variant}'s verdict in report.md`,
    );
  rmSync(out, { recursive: true, force: true });
});

test('load:incident rejects bad input with one line and starts nothing', async () => {
  const notARun = path.join(outRoot, 'not-a-run');
  mkdirSync(notARun, { recursive: true });
  writeFileSync(path.join(notARun, 'thesis.txt'), 'precious');
  const cases: [string[], RegExp][] = [
    [['--variants', 'before,sideways'], /unknown variant 'sideways' \(accepted: before, after\)/],
    [['--baseline-rate', '0'], /--baseline-rate '0'/],
    [['--baseline-rate=-5'], /--baseline-rate '-5'/],
    [['--multiplier=-1'], /--multiplier '-1'/],
    [['--multiplier', '0.5'], /--multiplier '0.5'/],
    [['--pool', '0'], /--pool 0 is out of range \(accepted: 1 to 500\)/],
    [['--pool', 'ten'], /--pool 'ten' is not a whole number/],
    [['--preset', 'galactic'], /unknown preset 'galactic'/],
    [['--out', notARun], /exists and is not a loadlab run folder/],
  ];
  await expectUserErrors('load:incident', cases, env);
  assert.equal(readFileSync(path.join(notARun, 'thesis.txt'), 'utf8'), 'precious');
});

test('Ctrl-C during a replay stops runner, shop and postgres, and leaves the run marked incomplete', {
  timeout: sharedTimeout(120_000),
}, async () => {
  const out = path.join(outRoot, `interrupted-${process.pid}`);
  rmSync(out, { recursive: true, force: true });
  let sent = false;
  let failed = '';
  const r = await runCli(
    'load:incident',
    ['--preset', 'tiny', '--quick', '--baseline-rate', '60', '--out', out],
    env,
    () => {},
    (stdout, kill) => {
      if (!sent && /before: baseline/.test(stdout)) {
        sent = true;
        loadPlaying(testDataDir).then(
          () => kill('SIGINT'),
          (err: Error) => (failed = err.message),
        );
      }
    },
  );
  assert.ok(sent && !failed, `the replay started: ${failed} ${r.stdout}`);
  assert.equal(r.code, 130, r.stderr.slice(-1000));
  await expectNoneLeft(() => harnessProcesses(testDataDir), 'no postgres, shop or runner process remains');
  assert.ok(existsSync(path.join(out, 'INCOMPLETE')), 'the run folder says it is incomplete');
  // the runner and shop stopped by Ctrl-C are not mistaken for crashed ones
  assert.match(readFileSync(path.join(out, 'INCOMPLETE'), 'utf8'), /^this run did not finish \(interrupted\)/);
  assert.ok(
    !existsSync(path.join(out, 'report.md')) && !existsSync(path.join(out, 'summary.json')),
    'no report that looks finished',
  );
  rmSync(out, { recursive: true, force: true });
});
