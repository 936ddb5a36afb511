// The bound test/runner-segments.test.ts holds the merged server_time p95 to (helpers/trend-precision.ts), checked
// against the real TrendSink on both sides of its switch to HDR, and shown to reject a figure just outside it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EXACT_LIMIT, TrendSink } from '../../runner/metrics/hdr.ts';
import { trendBound, trendMismatch } from '../helpers/trend-precision.ts';

/** timings from 0.01 ms to about 3 s, spread over six decades as a run's are, from a fixed sequence */
function timings(n: number): number[] {
  let s = 12345;
  return Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return 10 ** (-2 + (s / 2 ** 31) * 5.5);
  });
}

function sinkOf(values: number[]): TrendSink {
  const sink = new TrendSink();
  for (const v of values) sink.add(v);
  return sink;
}

test('with exact values the sink gives the formula to the last bit, and one ulp off is rejected', () => {
  const values = timings(150);
  const sink = sinkOf(values);
  assert.equal(sink.usesHistogram, false);
  for (const p of [50, 90, 95, 99]) {
    const got = sink.percentile(p);
    assert.equal(trendMismatch(got, values, p), undefined);
    const { expected } = trendBound(values, p);
    const ulpAbove = expected + expected * Number.EPSILON;
    assert.notEqual(ulpAbove, expected);
    assert.match(trendMismatch(ulpAbove, values, p) ?? '', /no tolerance/);
  }
});

test('past the exact limit the HDR answer is within a bucket of the neighbours, and 0.2 % beyond is rejected', () => {
  const values = timings(EXACT_LIMIT + 5_000);
  const sink = sinkOf(values);
  assert.equal(sink.usesHistogram, true);
  for (const p of [50, 90, 95, 99, 99.9]) {
    const got = sink.percentile(p);
    assert.equal(trendMismatch(got, values, p), undefined);
    const { low, high } = trendBound(values, p);
    // the bound is a bucket wide, not a blanket tolerance: a value twice a bucket's width out is refused
    assert.ok((high - low) / high < 0.005, `p(${p}): [${low}, ${high}] is wider than HDR's precision`);
    assert.match(trendMismatch(high * 1.002, values, p) ?? '', /HDR/);
    assert.match(trendMismatch(low * 0.998, values, p) ?? '', /HDR/);
  }
});
