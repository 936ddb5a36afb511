// Typical synchronous k6 scripts, written from k6's documentation, run unchanged: each one's counts match what
// the loopback server received and what k6's semantics fix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runScript, type RunResult, type RunOptions } from '../runner/index.ts';
import { collect, startDocsServer, type DocsServer } from './runner-server.ts';

const dir = 'test/fixtures/k6-docs';

async function play(
  script: string,
  opts: RunOptions = {},
): Promise<{ r: RunResult; server: DocsServer; stderr: string; stdout: string }> {
  const server = await startDocsServer();
  const err = collect();
  const out = collect();
  try {
    const r = await runScript(path.join(dir, script), {
      quiet: true,
      stdout: out,
      stderr: err,
      ...opts,
      env: { BASE_URL: server.url, ...opts.env },
    });
    return { r, server, stderr: err.text, stdout: out.text };
  } finally {
    await server.close();
  }
}

const values = (r: RunResult, key: string) => {
  const m = r.summary.metrics[key];
  assert.ok(m, `${key} is in the summary`);
  return m.values;
};
const checkOf = (r: RunResult, name: string) => r.summary.root_group.checks.find((c) => c.name === name);

test('basic GET and POST with checks and sleep: 6 iterations, 12 requests, every check passes; the awaited twin gives the same', async () => {
  for (const script of ['get-post.js', 'get-post-awaited.js']) {
    const { r, server } = await play(script);
    assert.equal(r.exitCode, 0, script);
    assert.equal(server.count('GET /'), 6);
    assert.equal(server.count('POST /login'), 6);
    assert.equal(values(r, 'http_reqs').count, 12);
    assert.equal(values(r, 'iterations').count, 6);
    assert.deepEqual(
      [checkOf(r, 'status is 200')?.passes, checkOf(r, 'logged in')?.passes, checkOf(r, 'logged in')?.fails],
      [6, 6, 0],
      script,
    );
    assert.equal(
      server.log.find((l) => l.method === 'POST')?.headers['content-type'],
      'application/x-www-form-urlencoded',
    );
    // each iteration sleeps 50 ms after its requests: sleep blocked the VU
    assert.ok(
      values(r, 'iteration_duration').min >= 50,
      `${script}: iteration_duration min ${values(r, 'iteration_duration').min}`,
    );
  }
});

test('stages: VUs follow the ramp to 4 and back, every request counted on both sides', async () => {
  const { r, server } = await play('stages.js');
  assert.equal(r.exitCode, 0);
  assert.equal(values(r, 'http_reqs').count, server.count('GET /page'));
  assert.equal(values(r, 'iterations').count + r.scenarios[0].interrupted, server.count('GET /page'));
  assert.equal(values(r, 'vus_max').max, 4);
  // 2.5 s of stages, at most 4 VUs each pausing 100 ms: well under 4 x 25 iterations, well over one VU's
  assert.ok(server.count('GET /page') > 15 && server.count('GET /page') < 100, `${server.count('GET /page')} requests`);
});

test('lifecycle: setup logs in once, its data reaches every iteration, teardown runs once with it', async () => {
  const { r, server } = await play('lifecycle.js');
  assert.equal(r.exitCode, 0);
  assert.equal(server.count('POST /login'), 1);
  assert.equal(server.count('GET /me'), 5);
  assert.equal(server.count('POST /logout'), 1);
  assert.equal(checkOf(r, 'authorised')?.passes, 5);
  assert.ok(server.log.filter((l) => l.path === '/me').every((l) => l.headers.authorization === 'Bearer t-admin'));
  assert.equal(server.log.find((l) => l.path === '/logout')?.headers.authorization, 'Bearer t-admin');
});

test('custom metrics: counter, gauge, rate and trend hold what the script added', async () => {
  const { r, server } = await play('custom-metrics.js');
  assert.equal(server.count('GET /page'), 4);
  assert.equal(values(r, 'pages_seen').count, 4);
  assert.equal(values(r, 'last_body_size').value, 2);
  assert.equal(values(r, 'ok_rate').rate, 1);
  assert.equal(r.summary.metrics.page_waiting.contains, 'time');
  assert.ok(values(r, 'page_waiting').max > 0);
});

test('thresholds: met gives exit 0, a failed latency threshold exit 99', async () => {
  const pass = await play('thresholds.js');
  assert.equal(pass.r.exitCode, 0);
  assert.equal(pass.server.count('GET /slow'), 5);
  const fail = await play('thresholds.js', { env: { LIMIT_MS: '5' } });
  assert.equal(fail.r.exitCode, 99);
  assert.equal(fail.r.summary.metrics.http_req_duration.thresholds?.['p(95)<5'].ok, false);
});

test('scenarios with exec: each runs its own function with its own VUs and counts', async () => {
  const { r, server } = await play('scenarios.js');
  assert.equal(r.exitCode, 0);
  assert.equal(server.count('GET /browse'), 4);
  assert.equal(server.count('POST /buy'), 3);
  assert.deepEqual(
    r.scenarios.map((s) => [s.name, s.completed]),
    [
      ['browsers', 4],
      ['buyers', 3],
    ],
  );
  assert.equal(values(r, 'http_reqs').count, 7);
});

test('arrival rate: 20 arrivals in 1 s, each started one reached the server', async () => {
  const { r, server } = await play('arrival-rate.js');
  const s = r.scenarios[0];
  assert.equal(s.scheduled, 20);
  assert.equal(s.completed + s.interrupted + s.dropped, 20);
  assert.equal(server.count('GET /arrive'), s.completed + s.interrupted);
});

test('SharedArray from JSON and CSV (papaparse jslib): 5 logins in file order', async () => {
  const { r, server } = await play('shared-array.js');
  assert.equal(r.exitCode, 0, r.iterationErrors ? 'iterations threw' : '');
  const users = server.log.map((l) => new URLSearchParams(l.body).get('user')).sort();
  assert.deepEqual(users, ['ann', 'bob', 'cem', 'dan', 'eve']);
});

test('textSummary in handleSummary: the text on stdout, the data in the file it names', async () => {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'k6-docs-')), 'summary.json');
  const { r, stdout } = await play('text-summary.js', { env: { SUMMARY_JSON: file } });
  assert.equal(r.exitCode, 0);
  assert.match(stdout, /http_reqs\.+: 3 /);
  assert.match(stdout, /✓ status is 200/);
  assert.equal(JSON.parse(readFileSync(file, 'utf8')).metrics.http_reqs.values.count, 3);
});

test('groups: requests and checks carry the group path; group_duration covers the awaited work', async () => {
  const { r, server } = await play('groups.js');
  assert.equal(server.count('GET /slow') + server.count('GET /a.css') + server.count('GET /b.js'), 6);
  const visit = r.summary.root_group.groups.find((g) => g.name === 'visit');
  assert.equal(visit?.checks[0].passes, 2);
  assert.equal(visit?.groups[0].name, 'assets');
  // the group waited for its 30 ms request: its duration covers it, as on k6
  assert.ok(values(r, 'group_duration').max >= 30, `group_duration max ${values(r, 'group_duration').max}`);
});

test('cookies: the server sets one, the script another, both come back', async () => {
  const { r, server } = await play('cookies.js');
  assert.equal(r.exitCode, 0);
  assert.equal(checkOf(r, 'server got both cookies')?.passes, 2);
  assert.equal(checkOf(r, 'jar has the session')?.passes, 2);
  assert.equal(server.count('GET /cookies'), 2);
});

test('basic auth from URL credentials', async () => {
  const { r } = await play('basic-auth.js');
  assert.deepEqual([checkOf(r, 'authenticated')?.passes, checkOf(r, 'authenticated')?.fails], [2, 0]);
});
