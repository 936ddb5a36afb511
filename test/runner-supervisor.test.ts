// The supervisor: a VU whose code never yields (`while (true) {}`) cannot stall the test. The VUs run on a
// worker thread; the main thread keeps time, judges thresholds, takes the signals and writes the summary and
// outputs from what the thread shipped, terminating it past maxDuration + gracefulStop or after an abort.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { runScript } from '../runner/index.ts';
import { collect, devNull, runningLoad, startDocsServer } from './runner-server.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'runner-supervisor-'));
function script(name: string, body: string): string {
  const f = path.join(dir, name);
  writeFileSync(f, `import http from 'k6/http';\n${body}\n`);
  return f;
}

/** One request, then a loop that never yields: only terminating the VU's thread stops it. */
const spinning = `export default function () { http.get(__ENV.B + '/page'); while (true) {} }`;

test('a spinning VU ends at maxDuration + gracefulStop with its summary, and teardown still runs, as on k6 (exit 0)', async () => {
  const server = await startDocsServer();
  // teardown runs on a new thread, with setup's data, since the one that played the load had to be stopped
  const s = script(
    'max-duration.js',
    `import { check } from 'k6';
export const options = { scenarios: { spin: { executor: 'per-vu-iterations', vus: 1, iterations: 1, maxDuration: '3s', gracefulStop: '1s' } } };
export function setup() { return { path: '/teardown' }; }
export function teardown(data) { check(http.get(__ENV.B + data.path), { 'teardown answered': (r) => r.status > 0 }); }
${spinning}`,
  );
  try {
    const err = collect();
    const at = performance.now();
    const r = await runScript(s, { quiet: true, stdout: devNull(), stderr: err, env: { B: server.url } });
    const took = performance.now() - at;
    assert.equal(r.exitCode, 0, err.text);
    // the thread is stopped once the 4 s are up: it has said nothing since its request
    assert.ok(r.durationMs >= 3_900 && r.durationMs < 4_600, `the load phase took ${r.durationMs} ms`);
    assert.ok(took < 4_600 + 4_000, `runScript took ${took} ms (start-up and the teardown thread included)`);
    assert.deepEqual(
      r.scenarios.map((x) => [x.name, x.completed, x.interrupted]),
      [['spin', 0, 1]],
    );
    assert.equal(server.count('GET /teardown'), 1, 'teardown ran with setup data');
    assert.equal(r.summary.metrics.http_reqs.values.count, 2, "the request before the loop and teardown's");
    assert.equal(r.summary.metrics.checks.values.passes, 1, "teardown's check is counted");
    assert.match(err.text, /did not answer for .* past its load deadline/);
  } finally {
    await server.close();
  }
});

test('an abortOnFail threshold still stops a test whose VU spins (exit 99)', async () => {
  const server = await startDocsServer();
  const s = script(
    'threshold.js',
    `export const options = { vus: 1, duration: '60s', thresholds: { http_req_failed: [{ threshold: 'rate<0.5', abortOnFail: true }] } };
export default function () { http.get(__ENV.B + '/redirect?status=500'); while (true) {} }`,
  );
  try {
    const r = await runScript(s, { quiet: true, stdout: devNull(), stderr: devNull(), env: { B: server.url } });
    assert.deepEqual([r.exitCode, r.abortedBy, r.thresholdsFailed], [99, 'threshold', true]);
    // judged every 2 s, as on k6; the thread, silent since its request, is stopped at once
    assert.ok(r.durationMs < 2_000 + 1_500, `ended after ${r.durationMs} ms`);
    assert.equal(r.summary.metrics.http_req_failed.values.rate, 1);
  } finally {
    await server.close();
  }
});

/** `npm run load` as a child, once the server saw its first request. */
async function startLoad(args: string[], server: Awaited<ReturnType<typeof startDocsServer>>) {
  const load = runningLoad(args);
  while (server.count('GET /page') < 1) await new Promise<void>((r) => server.onRequest(r));
  return load;
}

test('SIGTERM ends a spinning run at once, with the summary, --summary-export and complete --out files', async () => {
  const server = await startDocsServer();
  const exp = path.join(dir, 'sigterm-summary.json');
  const json = path.join(dir, 'sigterm-points.json');
  const csv = path.join(dir, 'sigterm-points.csv');
  const s = script('sigterm.js', `export const options = { vus: 1, duration: '60s' };\n${spinning}`);
  try {
    const load = await startLoad(
      [s, '-e', `B=${server.url}`, '--summary-export', exp, '--out', `json=${json}`, '--out', `csv=${csv}`],
      server,
    );
    // the request's samples are shipped within 0.1 s of it
    await new Promise((r) => setTimeout(r, 300));
    const at = performance.now();
    load.child.kill('SIGTERM');
    const code = await load.exited;
    assert.equal(code, 105, load.stderr());
    assert.ok(performance.now() - at < 2_000, `stopped ${performance.now() - at} ms after the signal`);
    assert.match(load.stdout(), /http_reqs\.+: 1 /);
    assert.equal(JSON.parse(readFileSync(exp, 'utf8')).metrics.http_reqs.count, 1);
    const points = readFileSync(json, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { metric: string; type: string });
    assert.equal(points.filter((p) => p.type === 'Point' && p.metric === 'http_reqs').length, 1);
    assert.equal(
      readFileSync(csv, 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('http_reqs,')).length,
      1,
    );
  } finally {
    await server.close();
  }
});

test('Ctrl-C on a spinning run: the first stops it and runs handleSummary, a second exits at once', async () => {
  const server = await startDocsServer();
  // a handleSummary that never settles holds the first stop: only the second Ctrl-C ends the process. It keeps
  // the main thread busy for 0.5 s first, as a large summary does: the second Ctrl-C arrives then, and must still
  // be the one that ends the process (tsx's CLI, between npm and the runner until this test, killed it with 130
  // when the runner had not acknowledged a signal within 60 ms)
  const s = script(
    'sigint.js',
    `export const options = { vus: 1, duration: '60s' };\n${spinning}
export function handleSummary() {
  console.log('handleSummary busy');
  const t = Date.now();
  while (Date.now() - t < 500) {}
  return new Promise(() => {});
}`,
  );
  try {
    const load = await startLoad([s, '-e', `B=${server.url}`], server);
    load.child.kill('SIGINT');
    // a process that ended before the line came fails on its exit code below instead of hanging the file
    await Promise.race([
      load.exited,
      new Promise<void>((r) => {
        const check = () => (/handleSummary busy/.test(load.stderr()) ? r() : load.child.stderr.once('data', check));
        check();
      }),
    ]);
    const at = performance.now();
    load.child.kill('SIGINT');
    const code = await load.exited;
    assert.equal(code, 105, load.stderr());
    // the rest of handleSummary's busy half second, then at once
    assert.ok(performance.now() - at < 1_500, `exited ${performance.now() - at} ms after the second signal`);
    assert.match(load.stderr(), /past the signal abort/);
    assert.match(load.stderr(), /SIGINT again: exiting now/);
  } finally {
    await server.close();
  }
});

test('init code that never yields is named in a warning, and Ctrl-C ends the run with a named error (exit 105)', async () => {
  // the init code runs on the VUs' thread first: the main thread stays free to warn and to take the signal
  const s = script('init-spin.js', `while (true) {}\nexport default function () { http.get('http://127.0.0.1:1/'); }`);
  const { child, exited, seen, stderr } = runningLoad([s]);
  await seen(/init code has run for 3 s/);
  const at = performance.now();
  child.kill('SIGINT');
  assert.equal(await exited, 105, stderr());
  assert.ok(performance.now() - at < 1_000, `exited ${performance.now() - at} ms after the signal`);
  assert.match(stderr(), /error: stopped during the script's init code, which had run for [\d.]+ s without finishing/);
});
