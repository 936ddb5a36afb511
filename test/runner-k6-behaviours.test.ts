// Where the runner once differed from k6 in silence or threw where k6 works (issue 26): each now as on k6.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { runScript, type RunResult } from '../runner/index.ts';
import { collect, startDocsServer, type DocsServer } from './runner-server.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'k6-behaviours-'));
let n = 0;

async function play(body: string, ext = 'js'): Promise<{ r: RunResult; server: DocsServer; stderr: string }> {
  const file = path.join(dir, `s${n++}.${ext}`);
  writeFileSync(file, `import http from 'k6/http';\nimport { check, sleep } from 'k6';\n${body}\n`);
  const server = await startDocsServer();
  const err = collect();
  try {
    const r = await runScript(file, { quiet: true, stdout: collect(), stderr: err, env: { B: server.url } });
    return { r, server, stderr: err.text };
  } finally {
    await server.close();
  }
}

const count = (r: RunResult, metric: string) => r.summary.metrics[metric]?.values.count;

test('a form body object: keys sorted, an array value repeats its key, as k6 (Go url.Values) sends it', async () => {
  const { server } = await play(
    `export default function () { http.post(__ENV.B + '/echo', { topping: ['a', 'b c'], size: 2, empty: null }); }`,
  );
  assert.equal(server.log[0].body, 'empty=&size=2&topping=a&topping=b+c');
  assert.equal(server.log[0].headers['content-type'], 'application/x-www-form-urlencoded');
});

test('un-awaited promise callbacks run before the iteration ends (k6 runs the VU event loop to empty)', async () => {
  const { r, server } = await play(`import { Counter } from 'k6/metrics';
const seen = new Counter('seen');
export const options = { iterations: 4 };
export default function () {
  http.asyncRequest('GET', __ENV.B + '/page?delay=100').then((res) => {
    check(res, { 'status 200': (x) => x.status === 200 });
    return http.asyncRequest('GET', __ENV.B + '/page').then(() => seen.add(1));
  });
}`);
  assert.equal(r.exitCode, 0);
  assert.equal(server.count('GET /page'), 8);
  assert.equal(count(r, 'seen'), 4, 'every chained callback ran inside its iteration');
  assert.equal(r.summary.metrics.checks.values.passes, 4);
  assert.ok(r.summary.metrics.iteration_duration.values.min >= 95, 'the iteration lasted until its requests ended');
});

test("k6's warnings: Request Failed with the error, extra arguments to http.get", async () => {
  const closed = net.createServer();
  await new Promise<void>((res) => closed.listen(0, '127.0.0.1', res));
  const port = (closed.address() as net.AddressInfo).port;
  await new Promise<void>((res) => closed.close(() => res()));
  const t0 = performance.now();
  const { r, stderr } = await play(`export default function () {
  const res = http.get('http://127.0.0.1:${port}/');
  http.get(__ENV.B + '/page', null, { tags: { name: 'x' } });
  if (res.status !== 0) throw new Error('expected no response');
}`);
  assert.equal(r.iterationErrors, 0);
  assert.match(stderr, /warning: Request Failed error="connect ECONNREFUSED 127\.0\.0\.1:\d+"/);
  assert.match(stderr, /http\.get only accepts a url and a params argument \(2 arguments\), but 3 were given/);
  // a refused connection ends the request, and the run, at once
  assert.ok(performance.now() - t0 < 3_000, `took ${performance.now() - t0} ms`);
});

test('k6/crypto: a second digest() gives the same, an update after it goes on; Response.ocsp; a thrown string names its line', async () => {
  const { r, stderr } = await play(
    `import crypto from 'k6/crypto';
import { Counter } from 'k6/metrics';
const ok = new Counter('ok');
export const options = { iterations: 1 };
export default function (): void {
  const h = crypto.createHash('sha256');
  h.update('a');
  const first = h.digest('hex');
  const second = h.digest('hex');
  h.update('b');
  const hm = crypto.createHMAC('sha256', 'k');
  hm.update('x');
  if (first === second && first === crypto.sha256('a', 'hex') && h.digest('hex') === crypto.sha256('ab', 'hex') && hm.digest('hex') === hm.digest('hex')) ok.add(1);
  const res = http.get(__ENV.B + '/page');
  if (res.ocsp.status === '' && res.ocsp.produced_at === 0) ok.add(1);
  throw 'plain text';
}`,
    'ts',
  );
  assert.equal(count(r, 'ok'), 2);
  assert.equal(r.iterationErrors, 1);
  assert.match(
    stderr,
    /an iteration threw: plain text at .*s\d+\.ts:18:3/,
    'the TypeScript line, through the source map',
  );
});
