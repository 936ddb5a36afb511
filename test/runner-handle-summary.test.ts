// handleSummary runs on a worker thread, so one that never yields (`while (true) {}`) cannot hold the main
// thread: the time limit ends it as k6 interrupts its runtime (an error, neither the text summary nor the
// export, the test's own exit code), the second Ctrl-C or SIGTERM exits at once, and one that works writes its
// outputs as before, on the thread the test ended on or, after that thread had to be stopped, on a new one;
// what k6 cannot write, it does not write either.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { runScript } from '../runner/index.ts';
import { collect, devNull, runningLoad, startDocsServer } from './runner-server.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'runner-handle-summary-'));
function script(name: string, body: string): string {
  const f = path.join(dir, name);
  writeFileSync(f, `import http from 'k6/http';\n${body}\n`);
  return f;
}

/** A test of one empty iteration whose handleSummary says so on stderr, then never yields. */
const spinningSummary = (extra = '') => `export const options = { iterations: 1${extra} };
export default function () {}
export function handleSummary() { console.log('summary spinning'); while (true) {} }`;

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  test(`a handleSummary that never yields: the first ${sig} lets it run on (k6 waits), the second exits at once (105)`, {
    timeout: 30_000,
  }, async () => {
    const load = runningLoad([script(`spin-${sig}.js`, spinningSummary())]);
    try {
      await load.seen(/summary spinning/);
      load.child.kill(sig);
      // the main thread answers the signal while handleSummary spins: it is not the one spinning
      // and says what it waits for: the test has ended, there is nothing left to stop
      await load.seen(new RegExp(`${sig}: the test has ended, handleSummary is running; waiting for it`));
      assert.doesNotMatch(load.stderr(), /stopping the test/);
      assert.equal(load.child.exitCode, null, `the first signal ended the run: ${load.stderr()}`);
      const at = performance.now();
      load.child.kill(sig);
      assert.equal(await load.exited, 105, load.stderr());
      assert.ok(performance.now() - at < 1_000, `exited ${performance.now() - at} ms after the second signal`);
      assert.match(load.stderr(), new RegExp(`${sig} again: exiting now`));
      // the process is gone, and the thread that spun with it: nothing is left to answer a signal
      assert.throws(() => process.kill(load.child.pid as number, 0), { code: 'ESRCH' });
    } finally {
      load.end();
    }
  });
}

test('handleSummaryTimeout ends a spinning handleSummary as k6: the error, no summary, no export, the exit code of the test', {
  timeout: 30_000,
}, async () => {
  const exp = path.join(dir, 'timeout-export.json');
  // a failed threshold: the exit code stays 99, as on k6, where the summary's error is only logged
  const s = script(
    'timeout.js',
    spinningSummary(`, handleSummaryTimeout: '1s', thresholds: { iterations: ['count>5'] }`),
  );
  const load = runningLoad([s, '--summary-export', exp]);
  try {
    await load.seen(/summary spinning/);
    const at = performance.now();
    assert.equal(await load.exited, 99, load.stderr());
    const took = performance.now() - at;
    assert.match(
      load.stderr(),
      /error: failed to handle the end-of-test summary: handleSummary\(\) execution timed out after 1 seconds \(you can increase the time limit via the handleSummaryTimeout option/,
    );
    assert.match(load.stderr(), /error: some thresholds have failed/);
    assert.equal(load.stdout(), '', 'no text summary after the timeout (k6 writes none)');
    assert.equal(existsSync(exp), false, 'no --summary-export after the timeout (k6 writes none)');
    assert.ok(took >= 900 && took < 1_000 + 2_000, `exited ${took} ms after handleSummary started, for a 1 s limit`);
  } finally {
    load.end();
  }
});

test('K6_HANDLE_SUMMARY_TIMEOUT sets the limit too: a handleSummary whose promise never settles ends after it', {
  timeout: 30_000,
}, async () => {
  const s = script(
    'timeout-env.js',
    `export const options = { iterations: 1 };
export default function () {}
export function handleSummary() { return new Promise(() => {}); }`,
  );
  const out = collect();
  const err = collect();
  const at = performance.now();
  const r = await runScript(s, { quiet: true, stdout: out, stderr: err, k6Env: { K6_HANDLE_SUMMARY_TIMEOUT: '1s' } });
  const took = performance.now() - at;
  assert.equal(r.exitCode, 0, err.text);
  assert.match(err.text, /handleSummary\(\) execution timed out after 1 seconds/);
  assert.equal(out.text, '');
  assert.ok(took >= 1_000 && took < 1_000 + 4_000, `runScript took ${took} ms for a 1 s limit`);
});

test('a bad handleSummaryTimeout is refused at start-up in one line', async () => {
  const s = script(
    'bad-limit.js',
    `export const options = { handleSummaryTimeout: 'soon' };\nexport default function () {}`,
  );
  await assert.rejects(
    runScript(s, { quiet: true, stdout: devNull(), stderr: devNull() }),
    (e: Error & { exitCode?: number }) =>
      e.exitCode === 104 && /options\.handleSummaryTimeout: 'soon' is not a duration \(accepted:/.test(e.message),
  );
});

test('a handleSummary that works: stdout, stderr and file outputs, a request, the export beside it, no extra time', async () => {
  const server = await startDocsServer();
  const file = path.join(dir, 'outputs', 'summary.bin');
  const exp = path.join(dir, 'works-export.json');
  const s = script(
    'works.js',
    `export const options = { iterations: 2 };
let teardowns = 0;
export default function () { http.get(__ENV.B + '/page'); }
export function teardown() { teardowns++; }
export async function handleSummary(data) {
  console.log('summary for ' + data.metrics.http_reqs.values.count + ' requests');
  // k6's docs send the summary to a server from here: the thread's HTTP client is still open
  const res = await http.asyncRequest('POST', __ENV.B + '/summary', JSON.stringify({ n: data.metrics.http_reqs.values.count }));
  return {
    stdout: 'custom summary, posted ' + res.status + ', teardowns ' + teardowns + '\\n',
    stderr: 'to stderr\\n',
    [__ENV.F]: new Uint8Array([1, 2, 3]).buffer,
  };
}`,
  );
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    const out = collect();
    const err = collect();
    const at = performance.now();
    const r = await runScript(s, {
      quiet: true,
      stdout: out,
      stderr: err,
      summaryExport: exp,
      env: { B: server.url, F: file },
    });
    const took = performance.now() - at;
    assert.equal(r.exitCode, 0, err.text);
    // the text summary is replaced; the request handleSummary sent is not one of the test's. teardown's global is
    // seen: setup, teardown and handleSummary share one init context here (README, What still differs from k6)
    assert.equal(out.text, 'custom summary, posted 200, teardowns 1\n');
    assert.match(err.text, /summary for 2 requests[\s\S]*\nto stderr\n/);
    assert.deepEqual([...readFileSync(file)], [1, 2, 3]);
    assert.equal(JSON.parse(readFileSync(exp, 'utf8')).metrics.http_reqs.count, 2);
    assert.deepEqual(
      server.log.filter((l) => l.path === '/summary').map((l) => l.body),
      ['{"n":2}'],
    );
    // start-up and two requests: the summary on the kept thread adds a message's round trip, not seconds
    assert.ok(took < 3_000, `runScript took ${took} ms`);
  } finally {
    await server.close();
  }
});

test('a handleSummary that throws: named with file:line, the text summary and the export instead', async () => {
  const exp = path.join(dir, 'throws-export.json');
  const s = script(
    'throws.js',
    `export const options = { iterations: 1 };
export default function () {}
export function handleSummary() {
  throw new Error('no summary today');
}`,
  );
  const out = collect();
  const err = collect();
  const r = await runScript(s, { quiet: true, stdout: out, stderr: err, summaryExport: exp });
  assert.equal(r.exitCode, 0, err.text);
  assert.match(
    err.text,
    /error: handleSummary\(\) failed: no summary today at .*throws\.js:5:\d+; printing the default summary/,
  );
  assert.match(out.text, /iterations\.+: 1 /);
  assert.equal(JSON.parse(readFileSync(exp, 'utf8')).metrics.iterations.count, 1);
});

test('after a spinning VU was stopped, handleSummary runs on a new thread and writes its file', {
  timeout: 30_000,
}, async () => {
  const file = path.join(dir, 'after-stop.txt');
  const s = script(
    'after-stop.js',
    `export const options = { scenarios: { spin: { executor: 'per-vu-iterations', vus: 1, iterations: 1, maxDuration: '1s', gracefulStop: '0s' } } };
export default function () { while (true) {} }
export function handleSummary(data) { return { [__ENV.F]: 'iterations ' + (data.metrics.iterations ? data.metrics.iterations.values.count : 0) }; }`,
  );
  const err = collect();
  const r = await runScript(s, { quiet: true, stdout: devNull(), stderr: err, env: { F: file } });
  assert.equal(r.exitCode, 0, err.text);
  assert.match(err.text, /did not answer for .* past its load deadline/);
  // the interrupted iteration is not counted; the file is written by handleSummary, on the new thread
  assert.equal(readFileSync(file, 'utf8'), 'iterations 0');
  assert.equal(r.summary.metrics.iterations, undefined);
});

test('what k6 cannot write (not a map, a value neither string nor ArrayBuffer) writes nothing, as k6; a falsy result the text summary', async () => {
  const cases: [string, RegExp | null][] = [
    [`'just text'`, /handleSummary\(\) should return a map with string keys, not string/],
    [`['a']`, /handleSummary\(\) should return a map with string keys, not array/],
    [`{ stdout: 'kept?', [__ENV.F]: 42 }`, /error handling summary object .*bad-value\.txt: invalid type number/],
    [`0`, null],
  ];
  for (const [i, [result, error]] of cases.entries()) {
    const exp = path.join(dir, `result-${i}-export.json`);
    const file = path.join(dir, `result-${i}-bad-value.txt`);
    const s = script(
      `result-${i}.js`,
      `export const options = { iterations: 1 };\nexport default function () {}\nexport function handleSummary() { return ${result}; }`,
    );
    const out = collect();
    const err = collect();
    const r = await runScript(s, { quiet: true, stdout: out, stderr: err, summaryExport: exp, env: { F: file } });
    assert.equal(r.exitCode, 0, err.text);
    if (error === null) {
      assert.match(out.text, /iterations\.+: 1 /, `${result}: the text summary`);
      assert.equal(existsSync(exp), true, `${result}: the export`);
      continue;
    }
    assert.match(err.text, /error: failed to handle the end-of-test summary: /, result);
    assert.match(err.text, error, result);
    assert.equal(out.text, '', `${result}: nothing on stdout`);
    assert.equal(existsSync(exp), false, `${result}: no export`);
    assert.equal(existsSync(file), false, `${result}: no file`);
  }
});
