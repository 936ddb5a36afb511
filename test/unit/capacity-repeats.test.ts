// Repeated capacity figures: median and range, the only order two points may be told in, and the bisection
// count the precision asks for.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareRanges, median, range } from '../../harness/capacity/repeats.ts';
import { beforeAfter, capacityVerdict, medianText } from '../../harness/capacity/render.ts';
import { bisectionsFor } from '../../harness/capacity/run.ts';
import { stepSeconds } from '../../harness/capacity/search.ts';
import type { CapacityPoint, CapacityResult } from '../../harness/capacity/types.ts';

function point(variant: CapacityPoint['variant'], dates: number, caps: number[]): CapacityPoint {
  return {
    variant,
    dates,
    capacity_visitors_per_min: median(caps),
    first_failing_visitors_per_min: null,
    steps: [],
    repeats: caps.map((c) => ({
      capacity_visitors_per_min: c,
      first_failing_visitors_per_min: null,
      precision: null,
      steps: [],
    })),
    median: median(caps),
    range: range(caps),
  };
}

test('median and range of repeats: odd and even counts', () => {
  assert.equal(median([5080, 5388, 4900]), 5080);
  assert.equal(median([10, 20, 40, 30]), 25);
  assert.deepEqual(range([5080, 5388, 4900]), [4900, 5388]);
  assert.equal(median([]), 0);
});

test('ranges compare only when they do not overlap; touching ranges are no difference', () => {
  assert.equal(compareRanges([6000, 6800], [4900, 5400]), 'higher');
  assert.equal(compareRanges([4900, 5400], [6000, 6800]), 'lower');
  assert.equal(compareRanges([5000, 5400], [5300, 5600]), 'no difference measured');
  assert.equal(compareRanges([5000, 5400], [5400, 5600]), 'no difference measured');
  assert.equal(compareRanges([5000, 5000], [5000, 5000]), 'no difference measured');
});

test("the issue's case: before's median above after's with overlapping ranges is never 'before > after'", () => {
  const before = point('before', 1000, [5388, 4950, 5200]);
  const after = point('after', 1000, [5032, 5300, 4700]);
  assert.ok(before.capacity_visitors_per_min > after.capacity_visitors_per_min, 'the medians differ');
  assert.equal(beforeAfter(before, after), 'no difference measured (the ranges overlap)');
  const r: CapacityResult = {
    schema: 'loadlab.capacity/v1',
    run_id: 'r',
    started_at: '',
    finished_at: '',
    slo: { product_list_p95_ms: 1000, max_error_rate: 0.01 },
    step_duration_s: 15,
    machine: null,
    points: [before, after],
  };
  assert.match(capacityVerdict(r), /no difference measured/);
  assert.equal(medianText(before), '5,200 (4,950-5,388)');
  const clear = beforeAfter(point('before', 30000, [60, 75, 70]), point('after', 30000, [4000, 4400, 4100]));
  assert.match(clear, /^the fix higher/);
  assert.match(beforeAfter(point('before', 300, [4000, 4400]), point('after', 300, [1800, 1900])), /^the fix lower/);
});

test('the bisections a precision needs from a bracket of 2x, capped', () => {
  // 2x -> 1.41 -> 1.19 -> 1.09 -> 1.045: four halvings of the log bracket reach 5 %
  assert.equal(bisectionsFor(0.05, false), 4);
  assert.equal(bisectionsFor(0.1, true), 3);
  assert.equal(bisectionsFor(0.01, false), 6, 'capped: a step costs seconds');
  assert.equal(bisectionsFor(0.5, false), 1);
});

test('a step at a low rate plays long enough for 20 visitors to arrive, up to a minute', () => {
  assert.equal(stepSeconds(15, 1200), 15);
  assert.equal(stepSeconds(5, 60), 20);
  assert.equal(stepSeconds(5, 5), 60);
});
