import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { runCli, oneErrorLine } from './helpers/processes.ts';
import { startServer } from './runner-server.ts';
import { runScript } from '../runner/index.ts';
import { collect, devNull } from './runner-server.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'runner-cli-'));

function script(name: string, body: string): string {
  const f = path.join(dir, name);
  writeFileSync(f, body);
  return f;
}

test('load errors: one clear line each and k6 exit codes', async () => {
  const syntax = script('syntax.ts', 'export default function () {\n  const x = ;\n}\n');
  let r = await runCli('load', [syntax, '--quiet']);
  assert.equal(r.code, 107);
  assert.match(oneErrorLine(r.stderr), /syntax\.ts:2:\d+: Unexpected ";"/);

  r = await runCli('load', [path.join(dir, 'missing.ts'), '--quiet']);
  assert.equal(r.code, 107);
  assert.match(oneErrorLine(r.stderr), /script '.*missing\.ts' not found/);

  const executor = script(
    'executor.ts',
    "export const options = { scenarios: { a: { executor: 'constant-rps', duration: '1s' } } };\nexport default function () {}\n",
  );
  r = await runCli('load', [executor, '--quiet']);
  assert.equal(r.code, 104);
  assert.match(
    oneErrorLine(r.stderr),
    /unknown executor 'constant-rps' \(accepted: constant-arrival-rate, .*shared-iterations\)/,
  );

  const mod = script('module.ts', "import ws from 'k6/ws';\nexport default function () { void ws; }\n");
  r = await runCli('load', [mod, '--quiet']);
  assert.equal(r.code, 107);
  assert.match(
    oneErrorLine(r.stderr),
    /module\.ts:1:\d+: unsupported k6 module 'k6\/ws' \(supported: k6, k6\/http, k6\/metrics, k6\/execution, k6\/data, k6\/encoding, k6\/crypto, k6\/html, k6\/timers\)/,
  );

  const threshold = script(
    'threshold.ts',
    "export const options = { thresholds: { http_req_duration: ['rate<1'] } };\nexport default function () {}\n",
  );
  r = await runCli('load', [threshold, '--quiet']);
  assert.equal(r.code, 104);
  assert.match(oneErrorLine(r.stderr), /'rate' is not an aggregation of trend metric 'http_req_duration'/);

  r = await runCli('load', [syntax, '--bogus']);
  assert.notEqual(r.code, 0);
  oneErrorLine(r.stderr);
});

test('an exception in an iteration names the script line; a forgotten await still holds the iteration', async () => {
  const server = await startServer((_n, p) => (p === '/late' ? 300 : 0));
  try {
    const thrower = script(
      'throw.ts',
      "export const options = { iterations: 3 };\nexport default function () {\n  throw new Error('boom');\n}\n",
    );
    const err = collect();
    const r1 = await runScript(thrower, { quiet: true, stdout: devNull(), stderr: err });
    assert.equal(r1.exitCode, 0, 'iterations that throw do not change the exit code');
    assert.equal(r1.iterationErrors, 3);
    assert.match(err.text, /boom at .*throw\.ts:3:9/);

    // an un-awaited request holds the iteration until it is done, as k6 runs a VU's event loop to empty
    const err2 = collect();
    const r2 = await runScript('test/fixtures/runner-await.ts', {
      quiet: true,
      stdout: devNull(),
      stderr: err2,
      env: { BASE_URL: server.url },
    });
    assert.equal(r2.summary.metrics.http_reqs.values.count, 4);
    assert.ok(r2.summary.metrics.iteration_duration.values.min >= 295, 'each iteration lasted until /late answered');
    assert.doesNotMatch(err2.text, /still pending/);
  } finally {
    await server.close();
  }
});

test('--out json: k6 point lines with scenario/name/status/method/expected_response/group tags and RFC3339-nano times; cookies per VU', async () => {
  const server = await startServer();
  try {
    const out = path.join(dir, 'points.json');
    const s = script(
      'points.ts',
      `import http from 'k6/http';
export const options = { scenarios: { baseline: { executor: 'per-vu-iterations', vus: 1, iterations: 2, maxDuration: '10s' } }, noCookiesReset: true };
export default async function () {
  const a = await http.asyncRequest('GET', __ENV.BASE_URL + '/a', null, { tags: { name: 'first' } });
  const b = await http.asyncRequest('GET', __ENV.BASE_URL + '/b', null, { tags: { name: 'second' } });
  if (!String(b.body).startsWith('cookie:seen=')) throw new Error('cookie not sent back: ' + b.body + ' / ' + a.headers['Set-Cookie']);
}
`,
    );
    const r = await runScript(s, {
      quiet: true,
      stdout: devNull(),
      stderr: devNull(),
      out: [`json=${out}`],
      env: { BASE_URL: server.url },
    });
    assert.equal(r.iterationErrors, 0);
    const lines = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const metricLines = lines.filter((l) => l.type === 'Metric');
    const points = lines.filter((l) => l.type === 'Point');
    const firstDur = lines.findIndex((l) => l.type === 'Point' && l.metric === 'http_req_duration');
    assert.ok(
      lines.findIndex((l) => l.type === 'Metric' && l.metric === 'http_req_duration') < firstDur,
      'Metric line before its first point',
    );
    assert.ok(metricLines.every((l) => typeof l.data.name === 'string' && l.data.type && l.data.contains));
    const dur = points.filter((p) => p.metric === 'http_req_duration');
    assert.equal(dur.length, 4);
    for (const p of dur) {
      assert.match(p.data.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
      for (const k of ['scenario', 'name', 'status', 'method', 'expected_response', 'group', 'url'])
        assert.ok(k in p.data.tags, `tag ${k}`);
      assert.equal(p.data.tags.scenario, 'baseline');
    }
    assert.deepEqual(
      dur.map((p) => p.data.tags.name),
      ['first', 'second', 'first', 'second'],
    );
    const failed = points.filter((p) => p.metric === 'http_req_failed');
    assert.equal(failed.length, 4);
    assert.ok(points.some((p) => p.metric === 'iterations' && p.data.tags.scenario === 'baseline'));
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.includes('.partial-')),
      [],
      'no temp files left',
    );
  } finally {
    await server.close();
  }
});

test('SIGTERM stops the run promptly, writes the summary export and json whole, exits 105', async () => {
  const server = await startServer();
  try {
    const exp = path.join(dir, 'signal.json');
    const out = path.join(dir, 'signal-points.json');
    const s = script(
      'long.ts',
      `import http from 'k6/http';
export const options = { scenarios: { s: { executor: 'constant-arrival-rate', rate: 50, duration: '60s', preAllocatedVUs: 5 } } };
export default async function () { await http.asyncRequest('GET', __ENV.BASE_URL + '/x'); }
`,
    );
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'runner/cli.ts',
        s,
        '-e',
        `BASE_URL=${server.url}`,
        '--summary-export',
        exp,
        '--out',
        `json=${out}`,
        '--quiet',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.resume();
    // wait until requests flow, then signal
    await server.whenReceived(20);
    const killedAt = performance.now();
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    const took = performance.now() - killedAt;
    assert.equal(code, 105, stderr);
    assert.ok(took < 3000, `stopped ${took} ms after the signal`);
    const e = JSON.parse(readFileSync(exp, 'utf8'));
    assert.ok(e.metrics.http_reqs.count >= 20);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    for (const l of lines) JSON.parse(l);
    assert.deepEqual(
      readdirSync(dir).filter((f) => f.includes('.partial-')),
      [],
      'no temp files left',
    );
  } finally {
    await server.close();
  }
});

test('an unwritable --summary-export or --out json path fails before any request, in one line, exit 104; a failed run leaves no json file', async () => {
  const server = await startServer();
  try {
    const s = script(
      'writable.ts',
      "import http from 'k6/http';\nexport const options = { iterations: 2 };\nexport default async function () { await http.asyncRequest('GET', __ENV.BASE_URL + '/'); }\n",
    );
    const notAFolder = script('plain-file.txt', 'a file, not a folder\n');
    for (const flag of [
      ['--summary-export', path.join(notAFolder, 'summary.json')],
      ['--out', `json=${path.join(notAFolder, 'points.json')}`],
    ]) {
      const r = await runCli('load', [s, '-e', `BASE_URL=${server.url}`, ...flag, '--quiet']);
      assert.equal(r.code, 104, r.stderr);
      assert.match(oneErrorLine(r.stderr), /cannot be written: .*plain-file\.txt/);
    }
    assert.equal(server.received, 0, 'no load before the check');

    const failing = script(
      'setup-throws.ts',
      "export function setup() { throw new Error('no'); }\nexport default function () {}\n",
    );
    const out = path.join(dir, 'failed-run', 'points.json');
    const r = await runCli('load', [failing, '--out', `json=${out}`, '--quiet']);
    assert.equal(r.code, 107, r.stderr);
    assert.deepEqual(readdirSync(path.dirname(out)), [], 'neither the file nor its temporary');
  } finally {
    await server.close();
  }
});
