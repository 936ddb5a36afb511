// k6's `run` flags on `npm run load`, with k6's precedence: flags over K6_* variables over the script's options.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { FLAGS, helpText, parseCommand } from '../runner/cli-flags.ts';
import { runScript, type RunnerError } from '../runner/index.ts';
import { runCli } from './helpers/processes.ts';
import { collect, devNull, startDocsServer } from './runner-server.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'runner-flags-'));
function script(name: string, body: string): string {
  const f = path.join(dir, name);
  writeFileSync(f, `import http from 'k6/http';\nimport { sleep } from 'k6';\n${body}\n`);
  return f;
}

const withScenarios = script(
  'scenarios.js',
  `export const options = { scenarios: { one: { executor: 'shared-iterations', vus: 1, iterations: 1 } } };
export default function () { http.get(__ENV.B + '/page'); sleep(0.2); }`,
);

test('--vus 3 --duration 2s: 3 VUs for 2 s, over the scenarios of the script (as k6); --out csv beside json; --tag', async () => {
  const server = await startDocsServer();
  const exp = path.join(dir, 'summary.json');
  const csv = path.join(dir, 'points.csv');
  const json = path.join(dir, 'points.json');
  try {
    const t0 = performance.now();
    const r = await runCli('load', [
      withScenarios,
      '--vus',
      '3',
      '--duration',
      '2s',
      '-e',
      `B=${server.url}`,
      '--tag',
      'team=shop',
      '--summary-export',
      exp,
      '--out',
      `csv=${csv}`,
      '-o',
      `json=${json}`,
      '--quiet',
    ]);
    const wall = performance.now() - t0;
    assert.equal(r.code, 0, r.stderr);
    const e = JSON.parse(readFileSync(exp, 'utf8'));
    assert.equal(e.metrics.vus_max.max, 3);
    // sampled every second while running (as k6): 3 while the VUs loop; the last sample may fall in the graceful
    // stop at 2 s, when a VU that finished its iteration no longer counts (k6 too), so its value is only > 0
    assert.equal(e.metrics.vus.max, 3, 'the vus gauge as sampled while running');
    assert.ok(e.metrics.vus.value > 0, 'not 0 at the end');
    // 3 VUs, 200 ms per iteration, 2 s: about 30 iterations, far from the script's single one
    const n = server.count('GET /page');
    assert.ok(n >= 21 && n <= 33, `${n} requests`);
    assert.ok(wall < 2000 + 8000, `took ${wall} ms`);
    const lines = readFileSync(csv, 'utf8').trim().split('\n');
    assert.equal(
      lines[0],
      'metric_name,timestamp,metric_value,check,error,error_code,expected_response,group,method,name,proto,scenario,service,status,subproto,tls_version,url,extra_tags,metadata',
    );
    const reqs = lines.filter((l) => l.startsWith('http_reqs,'));
    assert.equal(reqs.length, n, 'one http_reqs row per request');
    assert.match(
      reqs[0],
      /^http_reqs,\d{10},1\.000000,,,,true,,GET,http:\/\/127[^,]*\/page,HTTP\/1\.1,default,,200,,,http:[^,]*\/page,team=shop,$/,
    );
    const points = readFileSync(json, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    assert.equal(points.filter((p) => p.type === 'Point' && p.metric === 'http_reqs').length, n);
    assert.equal(points.find((p) => p.type === 'Point').data.tags.team, 'shop');
  } finally {
    await server.close();
  }
});

test('-s stages ramp the VUs; -i iterations; unknown and malformed flags refused by name in one line', async () => {
  const server = await startDocsServer();
  try {
    const ramp = await runCli('load', [
      withScenarios,
      '-s',
      '500ms:2',
      '-s',
      '500ms:0',
      '-e',
      `B=${server.url}`,
      '--summary-export',
      path.join(dir, 's.json'),
      '-q',
    ]);
    assert.equal(ramp.code, 0, ramp.stderr);
    assert.equal(JSON.parse(readFileSync(path.join(dir, 's.json'), 'utf8')).metrics.vus_max.max, 2);
    const before = server.count('GET /page');
    const iters = await runCli('load', [withScenarios, '-i', '5', '-u', '2', '-e', `B=${server.url}`, '-q']);
    assert.equal(iters.code, 0, iters.stderr);
    assert.equal(server.count('GET /page') - before, 5);
  } finally {
    await server.close();
  }
  // the parser's refusals, each one line naming the value; one through the command for its exit and output
  const r = await runCli('load', [withScenarios, '--vu', '3', '-q']);
  assert.equal(r.code, 1);
  assert.equal(r.stderr.trim(), "error: unknown flag '--vu' (npm run load -- --help lists the flags)");
  for (const [args, message] of [
    [['--vus', 'three'], /^--vus 'three' is not valid \(accepted: a whole number, 0 or more\)$/],
    [['--stage', '10:x'], /^--stage '10:x' is not valid \(accepted: DURATION:TARGET with a whole target/],
    [['--tag', 'novalue'], /^--tag 'novalue' is not valid \(accepted: NAME=VALUE\)$/],
    [['--http-debug=all'], /^--http-debug 'all' is not valid \(accepted: --http-debug, --http-debug=full\)$/],
    [['--duration'], /^Option '-d, --duration <value>' argument missing/],
  ] as const) {
    assert.throws(
      () => parseCommand([withScenarios, ...args]),
      (e: RunnerError) => e.exitCode === 1 && message.test(e.message) && !e.message.includes('\n'),
    );
  }
  assert.deepEqual(parseCommand([withScenarios, '--http-debug']).opts.flagOptions, { httpDebug: 'headers' });
  await assert.rejects(
    runScript(withScenarios, { quiet: true, stdout: devNull(), stderr: devNull(), out: ['influxdb=http://x'] }),
    /--out 'influxdb=http:\/\/x' is not supported \(accepted: json=FILE, json=FILE.gz, json=-, csv=FILE, csv=FILE.gz\)/,
  );
});

test('--help lists every flag the parser accepts, with its meaning and default', async () => {
  const r = await runCli('load', ['--help']);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, helpText());
  for (const f of FLAGS) {
    const line = r.stdout.split('\n').find((l) => l.includes(`--${f.name}`));
    assert.ok(line?.includes(f.help), `--${f.name} and its meaning are listed`);
    if (f.short) assert.ok(line?.includes(`-${f.short}, `));
  }
  assert.match(r.stdout, /--vus N\s+number of virtual users \(default 1\)/);
  assert.match(r.stdout, /--user-agent UA\s+the User-Agent of requests \(default Grafana k6\/\d+\.\d+\.\d+\)/);
});

test("precedence: flags over K6_* variables over the script; a tier setting duration replaces the lower tiers' iterations", async () => {
  const server = await startDocsServer();
  const s = script(
    'precedence.js',
    `export const options = { vus: 1, iterations: 2, userAgent: 'script', thresholds: { http_reqs: ['count<0'] } };
export default function () { http.get(__ENV.B + '/page'); }`,
  );
  const play = async (k6Env: NodeJS.ProcessEnv, flagOptions: Record<string, unknown> = {}) => {
    const before = server.log.length;
    const r = await runScript(s, {
      quiet: true,
      stdout: devNull(),
      stderr: devNull(),
      env: { B: server.url },
      k6Env,
      flagOptions,
    });
    return { r, uas: server.log.slice(before).map((l) => l.headers['user-agent']) };
  };
  try {
    let p = await play({});
    assert.deepEqual([p.uas.length, p.uas[0], p.r.exitCode], [2, 'script', 99]);
    p = await play({ K6_ITERATIONS: '4', K6_USER_AGENT: 'env', K6_NO_THRESHOLDS: 'true' });
    assert.deepEqual([p.uas.length, p.uas[0], p.r.exitCode], [4, 'env', 0]);
    p = await play(
      { K6_ITERATIONS: '4', K6_USER_AGENT: 'env' },
      { iterations: 3, userAgent: 'flag', noThresholds: true },
    );
    assert.deepEqual([p.uas.length, p.uas[0], p.r.exitCode], [3, 'flag', 0]);
    // K6_DURATION replaces the script's iterations: a constant-vus run of 300 ms with the script's 1 VU
    p = await play({ K6_DURATION: '300ms', K6_VUS: '2' });
    assert.equal(p.r.scenarios[0].executor, 'constant-vus');
    assert.equal(p.r.scenarios[0].vus, 2);
    await assert.rejects(play({ K6_VUS: 'many' }), /K6_VUS 'many' is not valid \(accepted: a whole number/);
    await assert.rejects(play({ K6_HOSTS: '{}' }), /K6_HOSTS is not supported by this runner/);
  } finally {
    await server.close();
  }
});

test("--user-agent, k6's default User-Agent, --http-debug=full and --summary-trend-stats", async () => {
  const server = await startDocsServer();
  const s = script(
    'ua.js',
    `export const options = { iterations: 1 };\nexport default function () { http.post(__ENV.B + '/login', 'user=ann'); }`,
  );
  try {
    const err = collect();
    const out = collect();
    await runScript(s, {
      quiet: true,
      stdout: out,
      stderr: err,
      env: { B: server.url },
      flagOptions: { httpDebug: 'full', summaryTrendStats: ['avg', 'p(99.9)'] },
    });
    assert.match(server.log[0].headers['user-agent'] ?? '', /^Grafana k6\/\d+\.\d+\.\d+$/);
    assert.match(
      err.text,
      /Request:\nPOST \/login HTTP\/1\.1\nHost: 127\.0\.0\.1:\d+\nuser-agent: Grafana k6\/[\d.]+\n(.+\n)*\nuser=ann\n/,
    );
    assert.match(err.text, /Response:\nHTTP\/1\.1 200 OK\n(.+\n)*\n\{"token":"t-ann"\}\n/);
    assert.match(out.text, /http_req_duration.*avg=.* p\(99\.9\)=/);
    await runScript(s, {
      quiet: true,
      stdout: devNull(),
      stderr: devNull(),
      env: { B: server.url },
      flagOptions: { userAgent: 'mine/1' },
    });
    assert.equal(server.log[1].headers['user-agent'], 'mine/1');
  } finally {
    await server.close();
  }
});
