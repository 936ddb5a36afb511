import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from './helpers/processes.ts';
import { startServer } from './runner-server.ts';

const fixture = 'test/fixtures/runner-thresholds.ts';
const server = await startServer((_n, p) => (p.startsWith('/slow') ? 200 : 0));
const dir = mkdtempSync(path.join(tmpdir(), 'runner-thresholds-'));

test.after(() => server.close());

test('thresholds pass: exit 0, summary-export in k6 shape with every selector and automatic splits, handleSummary writes its file', async () => {
  const exp = path.join(dir, 'pass.json');
  const hs = path.join(dir, 'hs.json');
  const r = await runCli('load', [
    fixture,
    '-e',
    `BASE_URL=${server.url}`,
    '-e',
    'MODE=pass',
    '-e',
    `SUMMARY_OUT=${hs}`,
    '--summary-export',
    exp,
    '--quiet',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^slow p95 \d/m, 'handleSummary replaced the text summary on stdout');
  const e = JSON.parse(readFileSync(exp, 'utf8'));
  assert.deepEqual(Object.keys(e).sort(), ['metrics', 'root_group']);
  assert.equal(e.root_group.path, '');
  assert.equal(e.root_group.checks['status is 200'].fails, 0);
  assert.ok(e.root_group.checks['status is 200'].passes > 10);
  assert.ok(e.root_group.groups.shop, 'groups keyed by name');
  const m = e.metrics;
  assert.deepEqual(Object.keys(m.http_req_duration).sort(), ['avg', 'max', 'med', 'min', 'p(90)', 'p(95)'].sort());
  assert.deepEqual(m['http_req_duration{name:slow}'].thresholds, { 'p(95)<1000': false }, 'false = not failed');
  assert.ok(m['http_req_duration{name:slow}'].min >= 195, 'the selector holds only the slow requests');
  assert.ok(
    m['http_req_duration{scenario:fast,name:fast}'].max < 150,
    'scenario+name selector holds only fast ones (slow ones take 200 ms)',
  );
  assert.ok(
    m['http_req_duration{group:::shop}'].count === undefined && m['http_req_duration{group:::shop}'].min >= 195,
    'group selector split at the first colon',
  );
  assert.deepEqual(Object.keys(m.http_req_failed).sort(), ['fails', 'passes', 'thresholds', 'value']);
  assert.equal(m['checks{check:status is 200}'].value, 1);
  assert.ok(m.journeys.count > 0);
  assert.ok(m.http_reqs.count > 0 && m.http_reqs.rate > 0);
  assert.ok(m['http_req_duration{expected_response:true}']);
  // per-scenario and per-name splits without dummy thresholds (k6-subset §9 item 3)
  assert.ok(m['http_req_duration{scenario:slow}'].min >= 195);
  assert.ok(m['http_req_failed{scenario:fast,name:fast}']);
  const h = JSON.parse(readFileSync(hs, 'utf8'));
  assert.equal(
    h.metrics['http_req_duration{name:slow}'].thresholds['p(95)<1000'].ok,
    true,
    'handleSummary data: ok = passed',
  );
  assert.ok(h.state.testRunDurationMs >= 1000);
  assert.deepEqual(h.options.summaryTrendStats, ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)']);
});

test('a failing threshold: exit 99, marked failed in the export', async () => {
  const exp = path.join(dir, 'fail.json');
  const r = await runCli('load', [
    fixture,
    '-e',
    `BASE_URL=${server.url}`,
    '-e',
    'MODE=fail',
    '--summary-export',
    exp,
    '--quiet',
  ]);
  assert.equal(r.code, 99, r.stderr);
  const e = JSON.parse(readFileSync(exp, 'utf8'));
  assert.deepEqual(e.metrics['http_req_duration{name:slow}'].thresholds, { 'p(95)<5': true });
  assert.equal(e.metrics['http_req_duration{scenario:fast,name:fast}'].thresholds['p(95)<1000'], false);
});

test('abortOnFail stops a 10 s test at the first evaluation, still writes the summary, exit 99', async () => {
  const exp = path.join(dir, 'abort.json');
  // from the first request, not from the spawn: starting tsx alone takes seconds on a busy machine
  const firstRequest = server.whenReceived(server.received + 1).then(() => performance.now());
  const r = await runCli('load', [
    fixture,
    '-e',
    `BASE_URL=${server.url}`,
    '-e',
    'MODE=abort',
    '--summary-export',
    exp,
    '--quiet',
  ]);
  const wall = performance.now() - (await firstRequest);
  assert.equal(r.code, 99, r.stderr);
  // thresholds are evaluated every 2 s: the first evaluation stops it, far from the 10 s
  assert.ok(wall < 5000, `stopped ${wall} ms after the first request`);
  assert.match(r.stderr, /abortOnFail/);
  assert.ok(existsSync(exp));
});
