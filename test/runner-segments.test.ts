// Execution segments end to end (shared-iterations, per-vu-iterations, both arrival rates, ramping-vus): one runner instance, and four instances with segments 0:1/4 .. 3/4:1 run at once,
// each against a loopback server that counts what every scenario started (and which iterationInTest numbers it
// saw). Together the four must start exactly what the one did, per scenario; their merged JSON outputs must give
// the same counts, one verdict over the whole, and the server's own p95 of the handling time it sent back in each
// response (Server-Timing), within the precision of the merge's Trend.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { runCli, type CliResult } from './helpers/processes.ts';
import { trendMismatch } from './helpers/trend-precision.ts';
import { percentile } from './runner-server.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'runner-segments-'));
const SEQUENCE = '0,1/4,1/2,3/4,1';
const SEGMENTS = ['0:1/4', '1/4:1/2', '1/2:3/4', '3/4:1'];

// shared 23 iterations over 5 VUs; 3 each for 6 VUs; 20/s for 2 s (a VU for each arrival of a second, so a
// stalled start on a busy machine delays arrivals rather than dropping them); 5 -> 15 arrivals/s over 2 s;
// ramping 0 -> 4 VUs over 2 s, then 4 for 2 s, once the others are done, each iteration a request and a 1 s
// sleep (VUs start at 0.25, 0.75, 1.25 and 1.75 s, so every iteration starts 250 ms from the end: timing noise
// below that does not change the count). The thresholds pass on the whole and fail on every slice (count ==), or
// the reverse (http_reqs < 40). Every response carries the server's handling time (Server-Timing: app;dur=MS),
// which the script keeps in a Trend of its own: the interval the server measured, not the client's.
const SCRIPT = `import http from 'k6/http';
import exec from 'k6/execution';
import { sleep } from 'k6';
import { Trend } from 'k6/metrics';
const serverTime = new Trend('server_time', true);
export const options = {
  scenarios: {
    shared: { executor: 'shared-iterations', vus: 5, iterations: 23, maxDuration: '20s', gracefulStop: '5s' },
    perVu: { executor: 'per-vu-iterations', vus: 6, iterations: 3, maxDuration: '20s', gracefulStop: '5s' },
    arrivals: { executor: 'constant-arrival-rate', rate: 20, timeUnit: '1s', duration: '2s', preAllocatedVUs: 20, maxVUs: 20, gracefulStop: '5s' },
    rampArrivals: { executor: 'ramping-arrival-rate', startRate: 5, timeUnit: '1s', stages: [{ target: 15, duration: '2s' }], preAllocatedVUs: 12, maxVUs: 12, gracefulStop: '5s' },
    ramp: { executor: 'ramping-vus', startTime: '2.5s', startVUs: 0, stages: [{ duration: '2s', target: 4 }, { duration: '2s', target: 4 }], gracefulRampDown: '5s', gracefulStop: '5s', exec: 'slow' },
  },
  thresholds: {
    'iterations{scenario:shared}': ['count == 23'],
    'iterations{scenario:perVu}': ['count == 18'],
    'iterations{scenario:arrivals}': ['count == 40'],
    'iterations{scenario:ramp}': ['count > 0'],
    http_reqs: ['count < 40'],
  },
};
const visit = () => {
  const r = http.get(__ENV.BASE_URL + '/?s=' + exec.scenario.name + '&i=' + exec.scenario.iterationInTest + '&n=' + __ENV.INSTANCE + '&v=' + exec.vu.idInTest);
  serverTime.add(Number(/^app;dur=(.+)$/.exec(r.headers['Server-Timing'])[1]));
};
export default function () { visit(); }
export function slow() { visit(); sleep(1); }
`;

interface Counting {
  url: string;
  /** per scenario, the iterationInTest of each request */
  seen: Record<string, number[]>;
  /** per instance (-e INSTANCE), the exec.vu.idInTest values its requests carried */
  vus: Record<string, Set<number>>;
  /** server-side handling time of every request, ms: the number each response's Server-Timing header carried */
  handled: number[];
  close(): Promise<void>;
}

/**
 * A loopback server that counts per scenario; every fifth request (but the ramp's, whose timing counts) waits
 * 250 ms, so the p95 is the server's delay, large against what a busy machine adds to it.
 */
async function countingServer(): Promise<Counting> {
  const state: Counting = { url: '', seen: {}, vus: {}, handled: [], close: async () => {} };
  let n = 0;
  const server = http.createServer((req, res) => {
    const t0 = process.hrtime.bigint();
    const u = new URL(req.url ?? '/', 'http://x');
    const s = u.searchParams.get('s') ?? '?';
    (state.seen[s] ??= []).push(Number(u.searchParams.get('i')));
    (state.vus[u.searchParams.get('n') ?? '?'] ??= new Set()).add(Number(u.searchParams.get('v')));
    const wait = s !== 'ramp' && n++ % 5 === 0 ? 250 : 0;
    setTimeout(() => {
      // up to the head, which must go out before the body: the same number in the header and in the list, written
      // in its shortest round-trip form so the client reads back exactly this double
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      res.setHeader('Server-Timing', `app;dur=${ms}`);
      state.handled.push(ms);
      res.end('ok');
    }, wait);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () => new Promise<void>((r) => server.close(() => r()));
  return state;
}

function load(script: string, server: Counting, out: string, extra: string[]): Promise<CliResult> {
  return runCli('load', [script, '-e', `BASE_URL=${server.url}`, '--out', `json=${out}`, '--quiet', ...extra]);
}

function pointValues(file: string, metric: string): number[] {
  return gunzipSync(readFileSync(file))
    .toString()
    .split('\n')
    .filter((l) => l.includes('"type":"Point"') && l.includes(`"metric":"${metric}"`))
    .map((l) => JSON.parse(l).data.value as number);
}

const counts = (s: Counting) => Object.fromEntries(Object.entries(s.seen).map(([k, v]) => [k, v.length]));

test('four segments start exactly what one instance starts, and their merge judges the whole', async () => {
  const script = path.join(dir, 'segments.js');
  writeFileSync(script, SCRIPT);
  const one = await countingServer();
  const four = await countingServer();
  try {
    const files = SEGMENTS.map((_, i) => path.join(dir, `instance-${i}.json.gz`));
    const exports = SEGMENTS.map((_, i) => path.join(dir, `instance-${i}-summary.json`));
    const runs = await Promise.all([
      load(script, one, path.join(dir, 'one.json.gz'), ['-e', 'INSTANCE=one']),
      ...SEGMENTS.map((seg, i) =>
        load(script, four, files[i], [
          '-e',
          `INSTANCE=${i}`,
          '--execution-segment',
          seg,
          '--execution-segment-sequence',
          SEQUENCE,
          '--summary-export',
          exports[i],
        ]),
      ),
    ]);
    // every run fails a threshold: the one instance http_reqs < 40, each slice the count == ones
    for (const r of runs) assert.equal(r.code, 99, r.stderr);

    // per scenario, the four together started what the one did; the iteration-count and arrival-rate scenarios
    // exactly as many as their options say, each iterationInTest once
    const dropped = (r: CliResult) => /dropped_iterations\.*: (\d+)/.exec(r.stdout)?.[1] ?? '0';
    assert.deepEqual(
      counts(four),
      counts(one),
      `per scenario, four instances against one (dropped arrivals per run: ${runs.map(dropped).join(', ')})`,
    );
    assert.deepEqual(
      { shared: one.seen.shared.length, perVu: one.seen.perVu.length, arrivals: one.seen.arrivals.length },
      { shared: 23, perVu: 18, arrivals: 40 },
    );
    const range = (n: number) => Array.from({ length: n }, (_, i) => i);
    const sorted = (v: number[]) => [...v].sort((a, b) => a - b);
    assert.deepEqual(sorted(four.seen.shared), range(23), 'shared: each iteration number once, over all instances');
    assert.deepEqual(sorted(four.seen.arrivals), range(40), 'arrivals: each arrival once, over all instances');
    const ramped = one.seen.rampArrivals.length;
    assert.ok(ramped >= 19, `ramping arrivals: the area under 5 -> 15/s over 2 s is 20, ${ramped} started`);
    assert.deepEqual(sorted(four.seen.rampArrivals), range(ramped), 'ramping arrivals: each arrival once');
    assert.equal(new Set(four.seen.perVu).size, 18, 'per-vu: no iteration number twice');
    // exec.vu.idInTest: unique over the instances (k6 allows gaps, never one id in two instances)
    const idSets = SEGMENTS.map((_, i) => [...(four.vus[String(i)] ?? [])]);
    assert.ok(
      idSets.every((ids) => ids.length > 0 && ids.every((v) => v >= 1)),
      JSON.stringify(idSets),
    );
    assert.equal(
      new Set(idSets.flat()).size,
      idSets.flat().length,
      `VU ids in two instances: ${JSON.stringify(idSets)}`,
    );
    assert.equal(new Set(four.seen.ramp).size, four.seen.ramp.length, 'ramp: no iteration number twice');

    // each slice judged its own share: the count == thresholds failed there, http_reqs < 40 passed
    for (const file of exports) {
      const ex = JSON.parse(readFileSync(file, 'utf8')).metrics;
      assert.equal(ex['iterations{scenario:shared}'].thresholds['count == 23'], true, `${file}: failed on the slice`);
      assert.equal(ex.http_reqs.thresholds['count < 40'], false, `${file}: passed on the slice`);
    }

    const outDir = path.join(dir, 'merged');
    const merged = await runCli('load:merge', ['--script', script, '--out', outDir, ...files]);
    assert.equal(merged.code, 99, merged.stderr);
    for (const [i, seg] of SEGMENTS.entries())
      assert.match(merged.stdout, new RegExp(`instance-${i}\\.json\\.gz: segment ${seg} of ${SEQUENCE}, .* UTC`));
    assert.match(merged.stdout, /the whole: .* UTC \(\d+\.\d s\)/);
    const record = JSON.parse(readFileSync(path.join(outDir, 'merge.json'), 'utf8'));
    const verdict = Object.fromEntries(
      record.thresholds.map((t: { metric: string; threshold: string; ok: boolean }) => [t.metric, t.ok]),
    );
    // over the whole, the verdicts turn: every count == passes, http_reqs < 40 fails
    assert.deepEqual(verdict, {
      'iterations{scenario:shared}': true,
      'iterations{scenario:perVu}': true,
      'iterations{scenario:arrivals}': true,
      'iterations{scenario:ramp}': true,
      http_reqs: false,
    });
    const summary = JSON.parse(readFileSync(path.join(outDir, 'k6-summary.json'), 'utf8')).metrics;
    assert.equal(summary['iterations{scenario:ramp}'].count, one.seen.ramp.length);
    const requests = Object.values(four.seen).reduce((a, v) => a + v.length, 0);
    assert.equal(summary.http_reqs.count, requests);

    // the server's handling time, as each response carried it: the four files hold exactly the values the server
    // measured, and the merged p95 is the server's own p95 of them within the precision of the merge's Trend (with
    // under 10,000 samples it keeps every value, so exactly: helpers/trend-precision.ts says why)
    const sent = files.flatMap((f) => pointValues(f, 'server_time'));
    const byValue = (v: number[]) => [...v].sort((x, y) => x - y);
    assert.deepEqual(byValue(sent), byValue(four.handled), 'server_time points: the values the server sent, each once');
    const serverP95 = percentile(four.handled, 95);
    const mergedServerP95 = summary.server_time['p(95)'] as number;
    assert.equal(trendMismatch(mergedServerP95, four.handled, 95), undefined);

    // http_req_duration: the merged p95 is that of every point of the four files (the same bound), and the client's
    // interval holds the server's plus loopback, parsing and its event loop's delay, so never less; on a busy
    // machine (5 instances on 2 shared cores) their event loops added 20 to 150 ms, so the upper bound is only a
    // sanity bound: the like-for-like check is server_time's above
    const all = files.flatMap((f) => pointValues(f, 'http_req_duration'));
    assert.equal(all.length, requests);
    const p95 = summary.http_req_duration['p(95)'] as number;
    assert.equal(trendMismatch(p95, all, 95), undefined);
    assert.ok(p95 >= serverP95 - 0.5 && p95 <= serverP95 * 2, `merged p95 ${p95} ms, server ${serverP95} ms`);
    const gap = ((p95 / serverP95 - 1) * 100).toFixed(1);
    console.log(
      `segments: ${JSON.stringify(counts(four))} requests; server p95 ${serverP95.toFixed(3)} ms; merged server_time ` +
        `p95 ${mergedServerP95.toFixed(3)} ms (${mergedServerP95 === serverP95 ? 'identical' : 'differs'}); merged ` +
        `http_req_duration p95 ${p95.toFixed(3)} ms (+${gap} %, the clients' own time)`,
    );
  } finally {
    await Promise.all([one.close(), four.close()]);
  }
});
