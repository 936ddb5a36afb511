import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { stateDir } from '../harness/files/paths.ts';
import { loadTestDataDir as testDataDir } from './helpers/db.ts';
import { expectUserErrors, postmastersOn, processesWith, runCli } from './helpers/processes.ts';

const outRoot = path.join(stateDir, 'test-reports');
const env = { LOADLAB_PGDATA: testDataDir };

const isNum = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
const isNumOrNull = (v: unknown) => v === null || isNum(v);

test('load:incident --preset tiny --quick writes every contract file and field', { timeout: 180_000 }, async () => {
  const out = path.join(outRoot, `run-${process.pid}`);
  rmSync(out, { recursive: true, force: true });
  const t0 = performance.now();
  const r = await runCli('load:incident', ['--preset', 'tiny', '--quick', '--out', out], env);
  const seconds = (performance.now() - t0) / 1000;
  assert.equal(r.code, 0, `exit code; stderr: ${r.stderr.slice(-2000)}`);
  assert.ok(seconds < 120, `the quick run took ${seconds.toFixed(0)} s (limit 120 s)`);
  assert.deepEqual(postmastersOn(testDataDir), [], 'no postgres process remains');

  for (const f of ['summary.json', 'report.md', 'report.html', 'k6-summary-before.json', 'k6-summary-after.json', 'db-samples-before.ndjson', 'db-samples-after.ndjson', 'explain-before.json', 'explain-after.json']) {
    assert.ok(existsSync(path.join(out, f)), `${f} exists`);
  }
  assert.ok(!existsSync(path.join(out, 'INCOMPLETE')), 'the run is not marked incomplete');
  assert.deepEqual(readdirSync(out).filter((f) => f.endsWith('.tmp')), [], 'no temporary files left');

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
  assert.deepEqual(s.traffic.phases.map((p: { name: string }) => p.name), ['baseline', 'ramp', 'tripled']);
  for (const variant of ['before', 'after']) {
    const v = s.variants[variant];
    assert.ok(v, `variant ${variant}`);
    for (const phase of ['baseline', 'tripled']) {
      const p = v.phases[phase];
      for (const k of ['requests', 'rps', 'p50_ms', 'p95_ms', 'p99_ms', 'error_rate', 'dropped_iterations']) assert.ok(isNum(p[k]), `${variant}.${phase}.${k}`);
      assert.ok(p.requests > 0, `${variant}.${phase} made requests`);
      assert.ok(p.error_rate >= 0 && p.error_rate <= 1);
      assert.ok(p.p50_ms <= p.p95_ms && p.p95_ms <= p.p99_ms, 'percentiles are ordered');
      const pl = p.endpoints['product-list'];
      assert.ok(pl && pl.requests > 0 && isNum(pl.p95_ms) && isNum(pl.error_rate), `${variant}.${phase} product-list endpoint`);
      assert.ok(p.endpoints.calendar?.requests > 0, 'calendar endpoint');
    }
    const db = v.db;
    for (const k of ['temp_bytes', 'blks_read', 'blks_hit', 'os_read_bytes', 'os_write_bytes']) assert.ok(isNumOrNull(db[k]), `${variant}.db.${k}`);
    assert.ok(db.product_list_query, 'pg_stat_statements is on in the embedded server');
    for (const k of ['calls', 'mean_ms', 'shared_blks_hit', 'shared_blks_read', 'temp_blks_written']) assert.ok(isNum(db.product_list_query[k]), `${variant}.db.product_list_query.${k}`);
    assert.ok(db.product_list_query.calls > 0);
    assert.ok(isNum(db.os_read_bytes), 'local server: /proc I/O is read');
    for (const k of ['execution_ms', 'buffers_touched', 'temp_blocks_written']) assert.ok(isNum(v.explain[k]), `${variant}.explain.${k}`);
    const exported = JSON.parse(readFileSync(path.join(out, `k6-summary-${variant}.json`), 'utf8'));
    assert.ok(exported.metrics.http_reqs && exported.metrics['http_req_duration{name:product-list}'], 'k6 summary-export shape');
    const explain = JSON.parse(readFileSync(path.join(out, `explain-${variant}.json`), 'utf8'));
    assert.equal(explain.variant, variant);
  }
  assert.ok(isNum(s.comparison.tripled_p95_ratio) && isNum(s.comparison.baseline_p95_ratio));
  // buffers are deterministic: the old query touches more of them than the fix, even on tiny
  assert.ok(s.variants.before.explain.buffers_touched > s.variants.after.explain.buffers_touched);
  const md = readFileSync(path.join(out, 'report.md'), 'utf8');
  assert.match(md, /before/);
  assert.match(md, /after/);
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
    [['--preset', 'galactic'], /unknown preset 'galactic'/],
    [['--out', notARun], /exists and is not a loadlab run folder/],
  ];
  await expectUserErrors('load:incident', cases, env);
  assert.equal(readFileSync(path.join(notARun, 'thesis.txt'), 'utf8'), 'precious');
});

test('Ctrl-C during a replay stops runner, shop and postgres, and leaves the run marked incomplete', { timeout: 120_000 }, async () => {
  const out = path.join(outRoot, `interrupted-${process.pid}`);
  rmSync(out, { recursive: true, force: true });
  let sent = false;
  const r = await runCli('load:incident', ['--preset', 'tiny', '--quick', '--baseline-rate', '60', '--out', out], env, () => {}, (stdout, kill) => {
    if (!sent && /before: baseline/.test(stdout)) {
      sent = true;
      setTimeout(() => kill('SIGINT'), 3000);
    }
  });
  assert.ok(sent, `the replay started: ${r.stdout}`);
  assert.equal(r.code, 130, r.stderr.slice(-1000));
  const deadline = Date.now() + 10_000;
  const leftovers = () => [...postmastersOn(testDataDir), ...processesWith('scripts/shop.ts', `LOADLAB_PGDATA=${testDataDir}`), ...processesWith('runner/cli.ts', `LOADLAB_PGDATA=${testDataDir}`)];
  while (leftovers().length > 0 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 100));
  assert.deepEqual(leftovers(), [], 'no postgres, shop or runner process remains');
  assert.ok(existsSync(path.join(out, 'INCOMPLETE')), 'the run folder says it is incomplete');
  assert.ok(!existsSync(path.join(out, 'report.md')) && !existsSync(path.join(out, 'summary.json')), 'no report that looks finished');
  rmSync(out, { recursive: true, force: true });
});
