// Every way a test is stopped ends it, whatever the executor: abortOnFail, signals, refused connections.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { runScript } from '../runner/index.ts';
import { devNull, spawnLoad, startDocsServer } from './runner-server.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'runner-stops-'));
function script(name: string, body: string): string {
  const f = path.join(dir, name);
  writeFileSync(f, `import http from 'k6/http';\nimport { sleep } from 'k6';\n${body}\n`);
  return f;
}

const stages = `stages: [{ duration: '30s', target: 4 }, { duration: '30s', target: 4 }]`;

test('abortOnFail under stages (ramping-vus): exit 99 within 2 s of the threshold failing', async () => {
  const server = await startDocsServer();
  const s = script(
    'abort.js',
    `export const options = { ${stages}, thresholds: { http_req_failed: [{ threshold: 'rate<0.5', abortOnFail: true }] } };
export default function () { http.get(__ENV.B + '/redirect?status=500'); sleep(0.1); }`,
  );
  try {
    const r = await runScript(s, { quiet: true, stdout: devNull(), stderr: devNull(), env: { B: server.url } });
    assert.deepEqual([r.exitCode, r.abortedBy], [99, 'threshold']);
    // thresholds are evaluated every 2 s, as on k6; the first request already fails it
    assert.ok(r.durationMs < 2_000 + 2_000, `ended after ${r.durationMs} ms`);
  } finally {
    await server.close();
  }
});

test('refused connections (own connection, undici, https) do not delay the end of a 1 s test', async () => {
  const s = script(
    'refused.js',
    `export const options = { vus: 2, duration: '1s' };
export default function () { http.batch(['http://127.0.0.1:1/', 'http://localhost:1/']); http.get('https://127.0.0.1:1/'); http.get('http://127.0.0.1:1/'); sleep(0.05); }`,
  );
  const r = await runScript(s, { quiet: true, stdout: devNull(), stderr: devNull() });
  assert.equal(r.exitCode, 0);
  assert.ok(r.durationMs < 1_800, `ended after ${r.durationMs} ms`);
  assert.ok(r.summary.metrics.http_req_failed.values.rate === 1);
});

/** Starts `npm run load` as package.json declares it. */
function startLoad(args: string[]) {
  const child = spawnLoad(args);
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  child.stdout.resume();
  const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  return { child, exited, stderr: () => stderr };
}

test('one SIGTERM ends a ramping-vus run with its summary (exit 105)', async () => {
  const server = await startDocsServer();
  const exp = path.join(dir, 'sigterm.json');
  const s = script(
    'sigterm.js',
    `export const options = { ${stages} };\nexport default function () { http.get(__ENV.B + '/page'); sleep(0.1); }`,
  );
  try {
    const load = startLoad([s, '-e', `B=${server.url}`, '--summary-export', exp, '-q']);
    while (server.count('GET /page') < 5) await new Promise<void>((r) => server.onRequest(r));
    const at = performance.now();
    load.child.kill('SIGTERM');
    const code = await load.exited;
    assert.equal(code, 105, load.stderr());
    assert.ok(performance.now() - at < 3_000, `stopped ${performance.now() - at} ms after the signal`);
    assert.ok(JSON.parse(readFileSync(exp, 'utf8')).metrics.http_reqs.count >= 5);
  } finally {
    await server.close();
  }
});

test('Ctrl-C: the first stops the test gracefully, a second exits at once (as k6)', async () => {
  const server = await startDocsServer();
  const out = path.join(dir, 'points.json');
  // a handleSummary that never settles holds the graceful stop: only the second Ctrl-C ends the process
  const s = script(
    'sigint.js',
    `export const options = { vus: 2, duration: '30s' };
export default function () { http.get(__ENV.B + '/page'); sleep(0.1); }
export function handleSummary() { return new Promise(() => {}); }`,
  );
  try {
    const load = startLoad([s, '-e', `B=${server.url}`, '--out', `json=${out}`, '-q']);
    while (server.count('GET /page') < 5) await new Promise<void>((r) => server.onRequest(r));
    load.child.kill('SIGINT');
    // a process that ended before the line came fails on its exit code below instead of hanging the file
    await Promise.race([
      load.exited,
      new Promise<void>((r) => {
        const check = () =>
          /SIGINT: stopping the test/.test(load.stderr()) ? r() : load.child.stderr.once('data', check);
        check();
      }),
    ]);
    const at = performance.now();
    load.child.kill('SIGINT');
    const code = await load.exited;
    assert.equal(code, 105, load.stderr());
    assert.ok(performance.now() - at < 1_000, `exited ${performance.now() - at} ms after the second signal`);
    assert.match(load.stderr(), /SIGINT again: exiting now/);
    assert.equal(existsSync(out), false, 'no half-written output: the run did not finish');
  } finally {
    await server.close();
  }
});
