// One way to count requests in every mode (harness/load/request-figures.ts): the incident replay, the incident day
// and the partition replay each map their phases, periods and buckets onto it, so the same request points must
// give each of them the same count, p95, failed share and per-bucket figures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LoadPoints, RequestPoint } from '../../harness/load/k6-points.ts';
import { requestFigures, sentAt, sentBetween } from '../../harness/load/request-figures.ts';
import { loadSeries, phaseStats } from '../../harness/incident/figures.ts';
import { groupStats, inWindow, timelineSeries } from '../../harness/timeline/stats.ts';
import { partitionSeries, phaseFigures } from '../../harness/partition/phases.ts';

const T0 = Date.parse('2026-12-06T12:00:00.000Z');

/** deterministic pages of one tenant: sent every 150 ms over 30 s, slower and failing more as time goes on */
function points(): LoadPoints {
  const requests: RequestPoint[] = [];
  for (let i = 0; i < 200; i++) {
    const sent = T0 + i * 150;
    const duration = 5 + ((i * 37) % 97) * (1 + i / 50);
    const failed = (i * 13) % 7 === 0 || i > 180;
    const name = i % 3 === 0 ? 'calendar' : 'product-list';
    requests.push({ ms: sent + duration, scenario: 'hot-normal', name, duration, failed, status: failed ? 503 : 200 });
  }
  return { requests, dropped: [], iterations: [], custom: {} };
}

test('the rule: a request counts where it was sent; an empty set has no latency or failed share', () => {
  const r: RequestPoint = { ms: T0 + 12_000, scenario: 's', name: 'n', duration: 4_000, failed: false, status: 200 };
  assert.equal(sentAt(r), T0 + 8_000);
  assert.deepEqual(sentBetween([r], T0 + 10_000, T0 + 20_000), [], 'answered in the window, sent before it');
  assert.deepEqual(sentBetween([r], T0, T0 + 10_000), [r]);
  assert.deepEqual(requestFigures([]), {
    count: 0,
    failed: 0,
    failed_rate: null,
    p50_ms: null,
    p95_ms: null,
    p99_ms: null,
    mean_ms: null,
  });
});

test('the same points give the same count, p95 and failed share in the incident, the day and the partition', () => {
  const p = points();
  for (const [from, to] of [
    [0, 10],
    [10, 20],
    [20, 30],
    [7.3, 21.9],
  ]) {
    const incident = phaseStats(p, T0, { name: 'baseline', start_s: from, end_s: to }, false);
    const day = groupStats(p, inWindow(p, T0, { name: 'normal', start_s: from, end_s: to }, false), 'normal', 'hot');
    const partition = phaseFigures(p, { name: 'baseline', startMs: T0 + from * 1000, endMs: T0 + to * 1000 }).pages;
    const expected = requestFigures(sentBetween(p.requests, T0 + from * 1000, T0 + to * 1000));
    assert.ok(expected.count > 0);
    assert.deepEqual(
      [incident.requests, incident.p95_ms, incident.error_rate],
      [expected.count, expected.p95_ms, expected.failed_rate],
    );
    assert.deepEqual([day.count, day.p95_ms, day.failed_rate], [expected.count, expected.p95_ms, expected.failed_rate]);
    assert.deepEqual(
      [partition.count, partition.p95_ms, partition.failed_rate],
      [expected.count, expected.p95_ms, expected.failed_rate],
    );
  }
});

test('the same points fall into the same buckets, with the same failed share, in every mode', () => {
  const p = points();
  const bucketS = 2;
  const incident = loadSeries(p, T0, bucketS, [{ name: 'baseline', start_s: 0, end_s: 30 }]);
  const day = timelineSeries(p, [], T0, 30, bucketS).points;
  const partition = partitionSeries(
    p,
    [{ name: 'baseline', startMs: T0, endMs: T0 + 30_000 }],
    bucketS,
    () => 0,
    () => 0,
  ).points;
  assert.equal(incident.length, 15);
  assert.equal(day.length, 15);
  assert.equal(partition.length, 15);
  for (let b = 0; b < 15; b++) {
    assert.equal(incident[b].rps * bucketS, partition[b].pages, `bucket ${b}: requests`);
    assert.equal(incident[b].error_rate, partition[b].pages_failed_rate, `bucket ${b}: failed share`);
    const pct = incident[b].error_rate === null ? null : Math.round(incident[b].error_rate! * 100 * 10) / 10;
    assert.equal(day[b].hot_error_pct, pct, `bucket ${b}: failed %`);
  }
  assert.equal(
    incident.reduce((s, x) => s + x.rps * bucketS, 0),
    p.requests.length,
    'every request sent within the 30 s lands in exactly one bucket',
  );
});
