// Each place the runner once differed from k6 in silence: now k6's behaviour, or refused / warned by name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runScript, type RunnerError, type RunOptions, type RunResult } from '../runner/index.ts';
import { collect, startDocsServer, type DocsServer } from './runner-server.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'k6-differences-'));
let n = 0;

async function play(
  body: string,
  opts: RunOptions = {},
): Promise<{ r: RunResult; server: DocsServer; stderr: string }> {
  const file = path.join(dir, `s${n++}.js`);
  writeFileSync(
    file,
    `import http from 'k6/http';\nimport { check, group, sleep } from 'k6';\nimport exec from 'k6/execution';\n${body}\n`,
  );
  const server = await startDocsServer();
  const err = collect();
  try {
    const r = await runScript(file, {
      quiet: true,
      stdout: collect(),
      stderr: err,
      ...opts,
      env: { B: server.url, L: server.url.replace('127.0.0.1', 'localhost'), ...opts.env },
    });
    return { r, server, stderr: err.text };
  } finally {
    await server.close();
  }
}

/** Every check of the run passed, and there was at least one. */
function allChecksPass(r: RunResult): void {
  const failed = r.summary.root_group.checks.filter((c) => c.fails > 0).map((c) => c.name);
  assert.deepEqual(failed, []);
  assert.ok(r.summary.root_group.checks.length > 0);
}

test('k6/http: compression, compressed responses, named batch, http.url names, null params', async () => {
  const { r, server, stderr } = await play(`
export const options = { iterations: 1 };
export default function () {
  const echo = http.post(__ENV.B + '/echo', 'hello body', { compression: 'gzip' });
  check(echo, { 'body sent gzip-compressed': (x) => x.json('encoding') === 'gzip' && x.json('body') === 'hello body' });
  check(http.get(__ENV.B + '/gzip'), { 'gzip response decoded': (x) => x.body === 'compressed hello' });
  const b = http.batch({ home: __ENV.B + '/', page: ['GET', __ENV.B + '/page'] });
  check(b, { 'named batch': (x) => x.home.status === 200 && x.page.status === 200 });
  for (const id of [1, 2]) http.get(http.url\`\${__ENV.B}/items/\${id}\`);
  check(http.get(__ENV.B + '/', null), { 'null params': (x) => x.status === 200 });
}`);
  allChecksPass(r);
  assert.equal(server.count('GET /items/1') + server.count('GET /items/2'), 2);
  // k6 names them by the template, every hole as \${}
  assert.equal(
    r.summary.metrics['http_req_failed{name:${}/items/${}}']?.values.passes +
      r.summary.metrics['http_req_failed{name:${}/items/${}}']?.values.fails,
    2,
  );
  assert.equal(r.iterationErrors, 0, stderr);
});

test('cookies: Domain/Path honoured, jar.clear(url) clears one host, Params.cookies not kept, Params.jar its own', async () => {
  const { r } = await play(`
export const options = { iterations: 1 };
export default function () {
  http.get(__ENV.B + '/cookies/set?scoped=1&path=/cookies/in');
  check(http.get(__ENV.B + '/cookies/out'), { 'path-scoped cookie not sent elsewhere': (x) => !x.json('cookies').includes('scoped=1') });
  check(http.get(__ENV.B + '/cookies/in/x'), { 'path-scoped cookie sent below its path': (x) => x.json('cookies').includes('scoped=1') });
  const jar = http.cookieJar();
  jar.set(__ENV.L, 'other', '1');
  jar.clear(__ENV.B);
  check(jar, { 'clear(url) leaves other hosts': (j) => j.cookiesForURL(__ENV.L).other[0] === '1' && Object.keys(j.cookiesForURL(__ENV.B)).length === 0 });
  check(http.get(__ENV.B + '/cookies', { cookies: { once: 'x' } }), { 'request cookie sent': (x) => x.json('cookies').includes('once=x') });
  check(http.get(__ENV.B + '/cookies'), { 'request cookie not kept': (x) => !x.json('cookies').includes('once') });
  const own = new http.CookieJar();
  http.get(__ENV.B + '/cookies/set?mine=1', { jar: own });
  check(own, { 'Params.jar got the cookie': (j) => j.cookiesForURL(__ENV.B).mine[0] === '1', 'VU jar did not': () => !jar.cookiesForURL(__ENV.B).mine });
}`);
  allChecksPass(r);
});

test('group around an awaited request (awaited style) is warned once by name', async () => {
  const { stderr } = await play(`
export const options = { iterations: 2 };
export default async function () {
  await group('shop', () => http.asyncRequest('GET', __ENV.B + '/'));
}`);
  assert.equal(stderr.match(/group 'shop' returned a promise/g)?.length, 1);
});

test('options: hosts refused, unknown and ignored options and K6_* variables warned once at start-up', async () => {
  await assert.rejects(
    play(`export const options = { hosts: { 'a.test': '127.0.0.1' } };\nexport default function () {}`),
    (e: RunnerError) => e.exitCode === 104 && /options\.hosts is not supported/.test(e.message),
  );
  process.env.K6_LINGER = 'true';
  try {
    const { stderr } = await play(
      `export const options = { iterations: 1, summaryTimeUnit: 'ms', vuz: 3 };\nexport default function () {}`,
    );
    assert.match(stderr, /options\.summaryTimeUnit is ignored/);
    assert.match(stderr, /options\.vuz is not a k6 option/);
    assert.match(stderr, /K6_LINGER: k6 reads these K6_\* environment variables as options; this runner does not/);
  } finally {
    delete process.env.K6_LINGER;
  }
});

test('options followed: minIterationDuration, noConnectionReuse, throw, batchPerHost, setupTimeout', async () => {
  const paced = await play(
    `export const options = { vus: 1, iterations: 3, minIterationDuration: '200ms' };\nexport default function () { http.get(__ENV.B + '/'); }`,
  );
  assert.ok(paced.r.durationMs >= 550, `3 iterations of at least 200 ms took ${paced.r.durationMs} ms`);
  assert.ok(paced.r.summary.metrics.iteration_duration.values.max < 200, 'the wait is not part of iteration_duration');
  const fresh = await play(
    `export const options = { iterations: 4, noConnectionReuse: true };\nexport default function () { http.get(__ENV.B + '/'); }`,
  );
  assert.equal(fresh.server.sockets, 4);
  // k6's http_req_connecting: each new connection's connect time, 0 where one was reused
  const connecting = fresh.r.summary.metrics.http_req_connecting.values;
  assert.ok(connecting.min > 0, `every request of noConnectionReuse connects: min ${connecting.min} ms`);
  const reused = (
    await play(
      `export const options = { vus: 1, iterations: 4 };\nexport default function () { http.get(__ENV.B + '/'); }`,
    )
  ).r.summary.metrics.http_req_connecting.values;
  assert.ok(
    reused.max > 0 && reused.min === 0 && reused.med === 0,
    `one VU connects once, then reuses: ${JSON.stringify(reused)}`,
  );
  const thrown = await play(
    `export const options = { iterations: 1, throw: true };\nexport default function () { http.get('http://127.0.0.1:1/'); }`,
  );
  assert.equal(thrown.r.iterationErrors, 1);
  const batch = await play(
    `export const options = { iterations: 1, batchPerHost: 2 };\nexport default function () { http.batch(Array.from({ length: 6 }, () => __ENV.B + '/slow?delay=50')); }`,
  );
  assert.equal(batch.server.count('GET /slow'), 6);
  assert.equal(batch.server.maxConcurrent, 2);
  await assert.rejects(
    play(
      `export const options = { setupTimeout: '200ms' };\nexport function setup() { sleep(5); }\nexport default function () {}`,
    ),
    (e: RunnerError) => e.exitCode === 100 && /setup\(\) took longer than setupTimeout/.test(e.message),
  );
});

test('k6/execution: progress, instance counts and test.options are live; test.fail exits 110, test.abort 108', async () => {
  const { r } = await play(`
export const options = { vus: 1, iterations: 4 };
export default function () {
  const i = exec.scenario.iterationInTest;
  check(exec, {
    'progress grows': (e) => Math.abs(e.scenario.progress - i / 4) < 1e-9,
    'completed counted': (e) => e.instance.iterationsCompleted === i,
    'options visible': (e) => e.test.options.iterations === 4,
  });
  if (i === 3) exec.test.fail('marked');
}`);
  allChecksPass(r);
  assert.equal(r.exitCode, 110);
  const aborted = await play(
    `export const options = { iterations: 3 };\nexport default function () { exec.test.abort('stop'); }`,
  );
  assert.equal(aborted.r.exitCode, 108);
});

test('a run without requests lists no http_reqs (k6 shows only metrics that got samples)', async () => {
  const { r } = await play(`export const options = { iterations: 1 };\nexport default function () {}`);
  assert.equal(r.summary.metrics.http_reqs, undefined);
  assert.equal(r.summary.metrics.iterations.values.count, 1);
});

test('synchronous style: a call the runner cannot follow fails loudly naming itself; blocking in init or in a sort comparator is refused', async () => {
  const alias = await play(
    `export const options = { iterations: 1 };\nconst get = http.get;\nexport default function () { if (get(__ENV.B + '/').status !== 200) throw new Error('x'); }`,
  );
  assert.equal(alias.r.iterationErrors, 1);
  assert.match(alias.stderr, /http\.get\(\) at .*s\d+\.js:6:\d+ did not wait for its result/);
  await assert.rejects(
    play(`const r = http.get('http://127.0.0.1:1/');\nexport default function () {}`),
    (e: RunnerError) => e.exitCode === 107 && /this call waits .* init context/.test(e.message),
  );
  await assert.rejects(
    play(
      `function byStatus(a, b) { return http.get(a).status - http.get(b).status; }\nexport default function () { [__ENV.B, __ENV.B].sort(byStatus); }`,
    ),
    (e: RunnerError) =>
      e.exitCode === 107 &&
      /s\d+\.js:5:\d+: passed to a function the runner cannot make wait \('byStatus' waits/.test(e.message),
  );
  await assert.rejects(
    play(`function f(r = http.get(__ENV.B)) { return r; }\nexport default function () { f(); }`),
    (e: RunnerError) =>
      e.exitCode === 107 && /in a default parameter value, where JavaScript cannot await/.test(e.message),
  );
});

test("k6/encoding, k6/crypto, k6/timers and the k6-utils jslib give k6's values; other remote imports are refused naming the URL", async () => {
  const { r, server } = await play(`
import encoding from 'k6/encoding';
import crypto from 'k6/crypto';
import { setTimeout } from 'k6/timers';
import { randomIntBetween, uuidv4, findBetween } from 'https://jslib.k6.io/k6-utils/1.4.0/index.js';
export const options = { iterations: 1 };
export default function () {
  check(null, {
    'b64 std': () => encoding.b64encode('hello') === 'aGVsbG8=' && encoding.b64decode('aGVsbG8=', 'std', 's') === 'hello',
    'b64 rawurl': () => encoding.b64encode(new Uint8Array([251, 255]).buffer, 'rawurl') === '-_8',
    'md5 and sha256': () => crypto.md5('abc', 'hex') === '900150983cd24fb0d6963f7d28e17f72' && crypto.sha256('abc', 'hex').startsWith('ba7816bf8f01cfea'),
    'hmac': () => crypto.hmac('sha256', 'key', 'The quick brown fox jumps over the lazy dog', 'hex') === 'f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8',
    'incremental hash': () => { const h = crypto.createHash('sha256'); h.update('a'); h.update('bc'); return h.digest('hex') === crypto.sha256('abc', 'hex'); },
    'randomBytes': () => crypto.randomBytes(8).byteLength === 8,
    'k6-utils': () => { const n = randomIntBetween(3, 5); return n >= 3 && n <= 5 && /^[0-9a-f-]{36}$/.test(uuidv4()) && findBetween('<a>x</a>', '<a>', '</a>') === 'x'; },
  });
  setTimeout(() => { http.get(__ENV.B + '/timer'); }, 100);
}`);
  allChecksPass(r);
  assert.equal(server.count('GET /timer'), 1, 'the timer ran inside its iteration');
  assert.ok(r.summary.metrics.iteration_duration.values.min >= 100, 'the iteration waited for its timer, as on k6');
  await assert.rejects(
    play(`import x from 'https://example.com/lib.js';\nexport default function () { void x; }`),
    (e: RunnerError) =>
      e.exitCode === 107 &&
      /remote module 'https:\/\/example\.com\/lib\.js' is not supported: the runner loads no code from the network/.test(
        e.message,
      ),
  );
});

test('console goes to stderr with its level, as k6 logs it; iterations not started by maxDuration are dropped_iterations', async () => {
  const out = collect();
  const { r, stderr } = await play(
    `export const options = { iterations: 1 };\nexport default function () { console.log('hello %s', 'k6'); }`,
    { stdout: out, summaryMode: 'disabled' },
  );
  assert.match(stderr, /^INFO\[\d{4}\] hello k6 source=console$/m);
  assert.equal(out.text, '', 'nothing on stdout');
  assert.equal(r.exitCode, 0);
  const cut = await play(
    `export const options = { scenarios: { s: { executor: 'shared-iterations', vus: 1, iterations: 50, maxDuration: '300ms', gracefulStop: '0s' } } };\nexport default function () { sleep(0.1); }`,
  );
  const s = cut.r.scenarios[0];
  assert.equal(s.completed + s.interrupted + s.dropped, 50);
  assert.ok(s.dropped >= 45, `dropped ${s.dropped}`);
  assert.equal(cut.r.summary.metrics.dropped_iterations?.values.count, s.dropped);
});

test('insecureSkipTLSVerify: a self-signed https server is refused by default and reached with the option, as on k6', async (t) => {
  const keyDir = mkdtempSync(path.join(tmpdir(), 'tls-'));
  const made = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${keyDir}/k.pem`,
      '-out',
      `${keyDir}/c.pem`,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  if (made.status !== 0) return t.skip('openssl is not installed: no self-signed certificate to test with');
  const server = https.createServer(
    { key: readFileSync(`${keyDir}/k.pem`), cert: readFileSync(`${keyDir}/c.pem`) },
    (_q, res) => res.end('tls ok'),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  try {
    const body = (insecure: boolean) =>
      `export const options = { iterations: 1, insecureSkipTLSVerify: ${insecure} };\nexport default function () { const r = http.get(__ENV.T); check(r, { 'reached': (x) => x.body === 'tls ok' }); }`;
    const strict = await play(body(false), { env: { T: url } });
    assert.equal(
      strict.r.summary.root_group.checks[0].fails,
      1,
      'a certificate that does not verify fails the request',
    );
    const lax = await play(body(true), { env: { T: url } });
    allChecksPass(lax.r);
  } finally {
    server.close();
    server.closeAllConnections();
  }
});

test("redirects: each hop a request on the VU's own connection, 307 keeps the body, 303 turns POST into GET, redirects: 0 stops", async () => {
  const { r, server } = await play(`
export const options = { iterations: 1 };
export default function () {
  const chain = http.get(__ENV.B + '/redirect?status=302&to=' + encodeURIComponent('/redirect?status=301&to=/page'));
  check(chain, { 'followed to the end': (x) => x.status === 200 && x.url === __ENV.B + '/page' });
  check(http.post(__ENV.B + '/redirect?status=307&to=/echo', 'kept'), { '307 keeps method and body': (x) => x.json('body') === 'kept' });
  check(http.post(__ENV.B + '/redirect?status=303&to=/page', 'dropped'), { '303 turns POST into GET': (x) => x.status === 200 });
  check(http.get(__ENV.B + '/redirect?status=302&to=/page', { redirects: 0 }), { 'redirects: 0 returns the 302': (x) => x.status === 302 });
}`);
  allChecksPass(r);
  assert.equal(r.summary.metrics.http_reqs.values.count, 8);
  assert.deepEqual(
    [
      server.count('GET /redirect'),
      server.count('POST /redirect'),
      server.count('POST /echo'),
      server.count('GET /page'),
    ],
    [3, 2, 1, 2],
  );
  assert.equal(server.sockets, 1);
});
