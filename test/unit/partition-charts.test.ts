// report.html's chart specs of a partition replay, built on the shared time-chart pieces: the phases shaded
// and labelled, rates as percent and per second, workers as counts, nothing drawn where nothing was recorded.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPartitionCharts } from '../../harness/partition/report/charts.ts';
import type { PartitionSeries, PartitionSeriesPoint } from '../../harness/partition/types.ts';

function point(
  t_s: number,
  phase: PartitionSeriesPoint['phase'],
  failed: number | null,
  taking: number,
): PartitionSeriesPoint {
  return {
    t_s,
    phase,
    async_actions: 10,
    async_failed_rate: failed,
    pages: 20,
    pages_failed_rate: 0,
    webs_in_rotation: phase === 'partition' ? 1 : 2,
    tasks_taking: taking,
  };
}

function replay(cutS = 4): PartitionSeries {
  return {
    bucket_s: 2,
    points: [
      point(0, 'baseline', 0, 4),
      point(2, 'baseline', 0, 4),
      point(4, 'partition', 0.3, 4),
      point(6, 'partition', null, 4),
      point(8, 'recovery', 0, 4),
    ],
    phases: [
      { name: 'baseline', start_s: 0, end_s: cutS },
      { name: 'partition', start_s: cutS, end_s: 8 },
      { name: 'recovery', start_s: 8, end_s: 10 },
    ],
  };
}

test('partition charts: the three phases shaded and named, failure rates in percent beside sends per second, workers as counts', () => {
  const charts = buildPartitionCharts({ before: replay(), after: replay() });
  assert.deepEqual(
    charts.map((c) => c.id),
    ['chart-async', 'chart-pages', 'chart-workers'],
  );
  for (const c of charts) {
    assert.equal(c.empty, null);
    assert.deepEqual([c.xAxis.min, c.xAxis.max], [0, 10], 'from the load start to the end of the recovery');
    assert.deepEqual(
      c.bands.map((b) => [b.label, b.start, b.end]),
      [
        ['baseline', 0, 4],
        ['partition', 4, 8],
        ['recovery', 8, 10],
      ],
    );
    assert.equal(new Set(c.bands.map((b) => b.fill)).size, 3, 'each phase its own shade');
    assert.equal(c.marks, null, 'both variants cut at the same time');
  }
  const async = charts[0];
  assert.deepEqual(
    async.series.map((s) => [s.label, s.scale, s.dash]),
    [
      ['before async failed %', 'pct', false],
      ['after async failed %', 'pct', false],
      ['before async actions/s', 'rps', true],
      ['after async actions/s', 'rps', true],
    ],
  );
  assert.deepEqual(async.series[0].values, [0, 0, 30, null, 0], 'a bucket without an action is a gap, not 0 %');
  assert.deepEqual(async.series[2].values, [5, 5, 5, 5, 5], '10 actions per 2 s bucket');
  assert.deepEqual(
    charts[2].axes.map((a) => a.scale),
    ['count'],
  );
  assert.deepEqual(charts[2].series[0].values, [2, 2, 1, 1, 2]);
});

test('partition charts: a second variant cut at another time is marked; no series at all is no chart', () => {
  const [c] = buildPartitionCharts({ before: replay(4), after: replay(6) });
  assert.deepEqual(c.marks?.at, [0, 6, 8], "after's phase starts, dashed in its colour");
  const none = buildPartitionCharts({});
  assert.ok(none.every((x) => x.empty === 'No time series were recorded for this run.' && x.series.length === 0));
});
