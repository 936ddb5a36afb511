// k6-points turns the runner's --out json lines into every latency figure of the incident report: these tests
// pin its pairing of duration and failed points, its percentile and its time buckets on hand-made points.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { readLoadPoints, type LoadPoints, type RequestPoint } from '../../harness/load/k6-points.ts';
import { percentile } from '../../harness/load/request-figures.ts';
import { loadSeries, phaseStats } from '../../harness/incident/figures.ts';

const T0 = Date.parse('2026-11-28T10:00:00.000Z');
const iso = (ms: number) => `${new Date(ms).toISOString().slice(0, 23)}123456Z`; // nanoseconds, as the runner writes

function point(metric: string, ms: number, value: number, tags: Record<string, string>): string {
  return JSON.stringify({ metric, type: 'Point', data: { time: iso(ms), value, tags } });
}
const metricLine = (name: string) =>
  JSON.stringify({
    type: 'Metric',
    data: { name, type: 'trend', contains: 'time', thresholds: [], submetrics: [] },
    metric: name,
  });

/** one request in k6's order of samples: http_reqs, duration, the timings, then failed (unless no callback) */
function request(
  ms: number,
  scenario: string,
  name: string,
  duration: number,
  failed: boolean | null,
  url = `http://127.0.0.1/${name}`,
): string[] {
  const tags: Record<string, string> = { scenario, group: '', method: 'GET', url, status: failed ? '503' : '200' };
  if (name) tags.name = name;
  const lines = [
    point('http_reqs', ms, 1, tags),
    point('http_req_duration', ms, duration, tags),
    point('http_req_waiting', ms, duration - 0.5, tags),
    point('http_req_receiving', ms, 0.2, tags),
  ];
  if (failed !== null) lines.push(point('http_req_failed', ms, failed ? 1 : 0, tags));
  return lines;
}

async function readLines(lines: string[], gz = false): Promise<LoadPoints> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'loadlab-k6-points-'));
  try {
    const file = path.join(dir, gz ? 'points.json.gz' : 'points.json');
    const text = lines.join('\n') + '\n';
    writeFileSync(file, gz ? gzipSync(text) : text);
    return await readLoadPoints(file, { custom: ['queue_wait'] });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('each duration point gets the failed flag of the http_req_failed point that follows it', async () => {
  const lines = [
    metricLine('http_req_duration'),
    ...request(T0 + 100, 'baseline', 'product-list', 120, false),
    ...request(T0 + 200, 'baseline', 'calendar', 30, true),
    // a request sent with responseCallback null has no failed point: the next one of the same name must not lend it its flag
    ...request(T0 + 300, 'tripled', 'product-list', 900, null),
    ...request(T0 + 400, 'tripled', 'product-list', 10_000, true),
    ...request(T0 + 500, 'tripled', 'product-list', 80, false),
    // no name tag: the url names the request, as in k6
    ...request(T0 + 600, 'ramp', '', 45, true, 'http://127.0.0.1/healthz'),
    point('dropped_iterations', T0 + 700, 2, { scenario: 'tripled' }),
    point('iterations', T0 + 800, 1, { scenario: 'tripled' }),
    point('iterations', T0 + 900, 1, { scenario: 'baseline' }),
    // the script's own metrics: the one asked for is kept with its scenario, any other is passed over
    point('queue_wait', T0 + 950, 1500, { scenario: 'hot-queue' }),
    point('cart_total', T0 + 960, 42, { scenario: 'tripled' }),
    '{"metric":"http_req_duration","type":"Point","data":{"time":"2026-', // cut short by an interrupted run
  ];
  for (const gz of [false, true]) {
    const p = await readLines(lines, gz);
    const summary = p.requests.map((r: RequestPoint) => [
      r.scenario,
      r.name,
      r.duration,
      r.failed,
      r.status,
      r.ms - T0,
    ]);
    assert.deepEqual(
      summary,
      [
        ['baseline', 'product-list', 120, false, 200, 100],
        ['baseline', 'calendar', 30, true, 503, 200],
        ['tripled', 'product-list', 900, false, 200, 300],
        ['tripled', 'product-list', 10_000, true, 503, 400],
        ['tripled', 'product-list', 80, false, 200, 500],
        ['ramp', 'http://127.0.0.1/healthz', 45, true, 503, 600],
      ],
      gz ? 'gzip' : 'plain',
    );
    assert.deepEqual(p.custom, { queue_wait: [{ ms: T0 + 950, scenario: 'hot-queue', value: 1500 }] });
    assert.deepEqual(p.dropped, [{ ms: T0 + 700, scenario: 'tripled', value: 2 }]);
    assert.deepEqual(
      p.iterations.map((i) => i.scenario),
      ['tripled', 'baseline'],
    );
  }
});

test("percentile is k6's: linear between the closest ranks of the sorted values", () => {
  const oneToTen = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  assert.equal(percentile(oneToTen, 0), 1);
  assert.equal(percentile(oneToTen, 50), 5.5);
  assert.ok(Math.abs(percentile(oneToTen, 95) - 9.55) < 1e-9);
  assert.ok(Math.abs(percentile(oneToTen, 99) - 9.91) < 1e-9);
  assert.equal(percentile(oneToTen, 100), 10);
  assert.equal(percentile([42], 95), 42);
  assert.equal(percentile([], 95), 0);
  // a long tail moves p99 but not p50: the report's p95 is taken on durations, not on an average
  const tail = [...Array.from({ length: 99 }, () => 10), 10_000];
  assert.equal(percentile(tail, 50), 10);
  assert.ok(Math.abs(percentile(tail, 99) - (10 + (10_000 - 10) * 0.01)) < 1e-9);
});

/** a request SENT `sec` seconds after T0 (its point is stamped when the answer came, `duration` later) */
function req(sec: number, scenario: string, name: string, duration: number, failed = false): RequestPoint {
  return { ms: T0 + sec * 1000 + duration, scenario, name, duration, failed, status: failed ? 503 : 200 };
}

const points: LoadPoints = {
  requests: [
    // baseline 0-10 s: 10 product lists 10..100 ms, 10 calendars of 5 ms, one failed
    ...Array.from({ length: 10 }, (_, i) => req(i + 0.5, 'baseline', 'product-list', (i + 1) * 10)),
    ...Array.from({ length: 10 }, (_, i) => req(i + 0.6, 'baseline', 'calendar', 5, i === 3)),
    // tripled 10-20 s: product lists of 1..20 s, half failed
    ...Array.from({ length: 20 }, (_, i) => req(10 + i * 0.5, 'tripled', 'product-list', (i + 1) * 1000, i % 2 === 0)),
    // sent after the last phase's end: the last phase keeps what is still finishing; outside every time bucket
    req(21, 'tripled', 'product-list', 25_000, true),
  ],
  dropped: [
    { ms: T0 + 12_000, scenario: 'tripled', value: 3 },
    { ms: T0 + 17_000, scenario: 'tripled', value: 4 },
  ],
  iterations: [
    ...Array.from({ length: 7 }, () => ({ ms: T0, scenario: 'baseline' })),
    { ms: T0 + 11_000, scenario: 'tripled' },
  ],
  custom: {},
};

const BASELINE = { name: 'baseline' as const, start_s: 0, end_s: 10 };
const TRIPLED = { name: 'tripled' as const, start_s: 10, end_s: 20 };

test('phaseStats: requests sent in the phase window, rate, percentiles and errors, overall and per endpoint', () => {
  const b = phaseStats(points, T0, BASELINE, false);
  assert.equal(b.requests, 20);
  assert.equal(b.rps, 2);
  assert.equal(b.error_rate, 0.05);
  assert.equal(b.iterations, 7);
  assert.equal(b.dropped_iterations, 0);
  assert.deepEqual(Object.keys(b.endpoints), ['calendar', 'product-list']);
  assert.deepEqual(b.endpoints['product-list'], { requests: 10, p95_ms: 95.5, error_rate: 0 });
  assert.deepEqual(b.endpoints.calendar, { requests: 10, p95_ms: 5, error_rate: 0.1 });
  // all 20 durations: ten 5 ms, then 10..100 ms
  assert.equal(b.p50_ms, 7.5);
  assert.equal(b.p95_ms, 90.5);

  const t = phaseStats(points, T0, TRIPLED, true);
  assert.equal(t.requests, 21);
  assert.equal(t.dropped_iterations, 7);
  assert.equal(t.iterations, 1);
  assert.equal(t.error_rate, Math.round((11 / 21) * 10_000) / 10_000);
  assert.equal(t.p95_ms, 20_000, 'p95 of 1..20 s and 25 s: rank 19 of 20');
  assert.equal(t.p99_ms, 20_000 + (25_000 - 20_000) * 0.8);

  // no request sent in a window: a count of 0 and no latency or error figure (not 0 ms, not 0 %)
  const empty = phaseStats(points, T0, { name: 'ramp', start_s: 30, end_s: 34 }, false);
  assert.deepEqual([empty.requests, empty.rps, empty.p95_ms, empty.error_rate], [0, 0, null, null]);
});

test('loadSeries: one bucket per interval since the load start, by the time a request was sent, with the phase of its start', () => {
  const phases = [BASELINE, TRIPLED];
  const s = loadSeries(points, T0, 5, phases);
  assert.deepEqual(
    s.map((b) => [b.t_s, b.phase]),
    [
      [0, 'baseline'],
      [5, 'baseline'],
      [10, 'tripled'],
      [15, 'tripled'],
    ],
  );
  // 0-5 s: product lists 10..50 ms and 5 calendars; 5-10 s: 60..100 ms
  assert.equal(s[0].product_list_p95_ms, 48);
  assert.equal(s[1].product_list_p95_ms, 98);
  assert.deepEqual([s[0].rps, s[1].rps], [2, 2]);
  assert.deepEqual([s[0].error_rate, s[1].error_rate], [0.1, 0]);
  // 10-15 s: 1..10 s, half failed; 15-20 s: 11..20 s; the request at 21 s is past the last bucket
  assert.equal(s[2].product_list_p95_ms, 9550);
  assert.equal(s[3].product_list_p95_ms, 19_550);
  assert.deepEqual([s[2].error_rate, s[3].error_rate], [0.5, 0.5]);
  assert.deepEqual(
    s.map((b) => b.dropped),
    [0, 0, 3, 4],
  );
  // a bucket without a completed product list has no p95 (a gap in the chart), not a zero
  const calendarsOnly: LoadPoints = { ...points, requests: points.requests.filter((r) => r.name === 'calendar') };
  assert.deepEqual(
    loadSeries(calendarsOnly, T0, 5, phases).map((b) => b.product_list_p95_ms),
    [null, null, null, null],
  );
  // 1 s buckets (--quick) over the same window
  assert.equal(loadSeries(points, T0, 1, phases).length, 20);
});
