// capacity.html's chart spec: log-log axes over the measured sizes, one colour per variant, nothing drawn
// where nothing was measured.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { capacityChart, renderCapacityHtml } from '../../harness/capacity/render.ts';
import type { CapacityPoint, CapacityResult } from '../../harness/capacity/types.ts';

function point(
  variant: CapacityPoint['variant'],
  dates: number,
  capacity: number,
  firstFailing: number | null,
): CapacityPoint {
  return {
    variant,
    dates,
    capacity_visitors_per_min: capacity,
    first_failing_visitors_per_min: firstFailing,
    steps: [],
  };
}

function result(points: CapacityPoint[]): CapacityResult {
  return {
    schema: 'loadlab.capacity/v1',
    run_id: 'r',
    started_at: '',
    finished_at: '',
    slo: { product_list_p95_ms: 1000, max_error_rate: 0.01 },
    step_duration_s: 15,
    machine: { cpus: 2, node: 'v20', postgres: '18', os: 'Linux 6.1', database: 'embedded' },
    points,
  };
}

test('capacity chart: both variants on log-log axes that start and end on a power of ten', () => {
  const c = capacityChart(
    result([
      point('after', 3000, 2800, null),
      point('before', 300, 900, 1100),
      point('before', 3000, 120, 150),
      point('after', 300, 2900, 3600),
    ]),
  );
  assert.equal(c.empty, null);
  assert.deepEqual([c.xAxis.log, c.xAxis.min, c.xAxis.max], [true, 100, 10_000]);
  assert.equal(c.axes[0].log, true);
  assert.deepEqual(
    c.series.map((s) => [s.label, s.x, s.values, s.dash, s.points]),
    [
      ['before capacity', [300, 3000], [900, 120], false, true],
      ['before first failing rate', [300, 3000], [1100, 150], true, true],
      ['after capacity', [300, 3000], [2900, 2800], false, true],
      ['after first failing rate', [300, 3000], [3600, null], true, true],
    ],
  );
});

test('capacity chart: a size where even the lowest rate failed is no point, and nothing measured is no chart', () => {
  const c = capacityChart(
    result([
      point('before', 1000, 60, 80),
      point('before', 30000, 0, 20),
      point('after', 1000, 0, 20),
      point('after', 30000, 0, 20),
    ]),
  );
  assert.deepEqual(c.series.find((s) => s.label === 'before capacity')!.values, [60, null]);
  assert.ok(!c.series.some((s) => s.label === 'after capacity'), 'a variant with no capacity anywhere has no line');
  const none = capacityChart(result([]));
  assert.equal(none.empty, 'No capacity was measured.');
  const html = renderCapacityHtml(result([]));
  assert.match(html, /No capacity was measured\./);
  assert.doesNotMatch(html, /data-chart=/);
});
