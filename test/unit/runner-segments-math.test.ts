// The execution-segment math against the examples k6 documents in lib/execution_segment.go (the 1/2, 1/4, 1/4
// striping table) and the striped offsets its own tests expect, plus the property every split must keep: the
// instances' shares of any count add up to it, and their numbers cover 0..n-1 exactly once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ExecutionTuple,
  SegmentedIndex,
  executionTupleOf,
  parseSegment,
  parseSequence,
  segmentString,
} from '../../runner/segments/segment.ts';
import { RunnerError } from '../../runner/errors.ts';
import { parseCommand } from '../../runner/cli-flags.ts';
import { envOptions } from '../../runner/config.ts';

const tuple = (seg: string, seq = ''): ExecutionTuple => ExecutionTuple.of(parseSegment(seg), parseSequence(seq));

function owned(t: ExecutionTuple, count: number): number[] {
  const idx = new SegmentedIndex(t);
  const out: number[] = [];
  for (;;) {
    const { unscaled } = idx.next();
    if (unscaled > count) return out;
    out.push(unscaled - 1);
  }
}

test('segments parse as k6 reads them: fractions, decimals, percentages, a single end', () => {
  assert.equal(segmentString(parseSegment('1/4:1/2')), '1/4:1/2');
  assert.equal(segmentString(parseSegment('25%:50%')), '1/4:1/2');
  assert.equal(segmentString(parseSegment('0.25:0.5')), '1/4:1/2');
  assert.equal(segmentString(parseSegment('2/4:75%')), '1/2:3/4');
  assert.equal(segmentString(parseSegment('20%')), '0:1/5');
  assert.equal(segmentString(parseSegment('')), '0:1');
  for (const bad of ['1/2:1/4', '0:1.5', 'x:1', '1/0', '-1:1/2'])
    assert.throws(
      () => parseSegment(bad),
      (e: unknown) => e instanceof RunnerError && e.message.includes(`'${bad}'`),
    );
  assert.throws(() => parseSequence('0'), /at least 2 points/);
  assert.throws(() => tuple('1/3:2/3', '0,1/4,1/2,3/4,1'), /not one of --execution-segment-sequence/);
});

test("k6's documented 1/2, 1/4, 1/4 example: the striped iterators and the scaled values", () => {
  const seq = '0,1/2,3/4,1';
  assert.deepEqual(owned(tuple('0:1/2', seq), 12), [0, 2, 4, 6, 8, 10]);
  assert.deepEqual(owned(tuple('1/2:3/4', seq), 12), [1, 5, 9]);
  assert.deepEqual(owned(tuple('3/4:1', seq), 12), [3, 7, 11]);
  const scaled = (seg: string) => Array.from({ length: 12 }, (_, i) => tuple(seg, seq).scale(i + 1));
  assert.deepEqual(scaled('0:1/2'), [1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6]);
  assert.deepEqual(scaled('1/2:3/4'), [0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3]);
  assert.deepEqual(scaled('3/4:1'), [0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3]);
});

test("the striped offsets k6's tests expect (start, gaps, LCD)", () => {
  const cases: [seq: string, seg: string, start: number, gaps: number[], lcd: number][] = [
    ['0,0.3,0.5,0.6,0.7,0.8,0.9,1', '0:0.3', 0, [4, 3, 3], 10],
    ['0,0.3,0.5,0.6,0.7,0.8,0.9,1', '0.3:0.5', 1, [4, 6], 10],
    ['0,0.3,0.5,0.6,0.7,0.8,0.9,1', '0.8:0.9', 8, [10], 10],
    ['0,0.2,0.5,0.6,0.7,0.8,0.9,1', '0:0.2', 1, [4, 6], 10],
    ['0,0.2,0.5', '0.2:0.5', 1, [4, 2, 4], 10],
    ['0,2/5,4/5', '2/5:4/5', 1, [3, 2], 5],
    ['', '0:0.4', 1, [2, 3], 5],
    ['', '1/10:5/10', 1, [2, 2, 4, 2], 10],
  ];
  for (const [seq, seg, start, gaps, lcd] of cases)
    assert.deepEqual(tuple(seg, seq).stripes(), { start, gaps, lcd }, `${seg} in ${seq || '(none)'}`);
});

test('every split covers each number exactly once and the shares add up, for any count', () => {
  for (const seq of ['0,1/4,1/2,3/4,1', '0,1/3,2/3,1', '0,0.3,0.5,0.6,0.7,0.8,0.9,1', '0,1/7,1/2,1']) {
    const segments = parseSequence(seq);
    const tuples = segments.map((s) => ExecutionTuple.of(s, segments));
    for (const n of [1, 2, 3, 5, 7, 10, 13, 100, 101]) {
      assert.equal(
        tuples.reduce((a, t) => a + t.scale(n), 0),
        n,
        `shares of ${n} in ${seq}`,
      );
      const all = tuples.flatMap((t) => owned(t, n)).sort((a, b) => a - b);
      assert.deepEqual(
        all,
        Array.from({ length: n }, (_, i) => i),
        `numbers of ${n} in ${seq}`,
      );
      // re-cut by a VU count as shared-iterations and the arrival-rate executors do: still a partition
      for (const vus of [1, 3, 4, 10]) {
        const recut = tuples.map((t) => t.forValue(vus));
        assert.equal(
          recut.reduce((a, t) => a + (t?.scale(n) ?? 0), 0),
          n,
          `shares of ${n} re-cut by ${vus} in ${seq}`,
        );
        assert.deepEqual(
          recut.flatMap((t) => (t ? owned(t, n) : [])).sort((a, b) => a - b),
          Array.from({ length: n }, (_, i) => i),
        );
      }
    }
  }
});

test('the options: both unset is the whole test; a wrong type or value is one line naming it', () => {
  assert.equal(executionTupleOf({}).whole, true);
  assert.equal(executionTupleOf({}).scale(7), 7);
  const t = executionTupleOf({ executionSegment: '1/4:1/2', executionSegmentSequence: '0,1/4,1/2,3/4,1' });
  assert.equal(t.scale(4), 1);
  assert.equal(executionTupleOf({ executionSegment: '0:1/2' }).scale(3), 2);
  assert.throws(() => executionTupleOf({ executionSegment: 3 }), /options\.executionSegment '3'.*must be a string/);
  assert.throws(() => executionTupleOf({ executionSegment: '2:3' }), /options\.executionSegment '2:3'/);
});

test('the flags and K6_* variables set the options, checked where they are given', () => {
  const { opts } = parseCommand(['s.js', '--execution-segment', '1/2:1', '--execution-segment-sequence', '0,1/2,1']);
  assert.deepEqual(
    { s: opts.flagOptions?.executionSegment, q: opts.flagOptions?.executionSegmentSequence },
    { s: '1/2:1', q: '0,1/2,1' },
  );
  assert.throws(() => parseCommand(['s.js', '--execution-segment', '1:2']), /--execution-segment '1:2'/);
  assert.equal(envOptions({ K6_EXECUTION_SEGMENT: '25%:50%' }).options.executionSegment, '25%:50%');
  assert.throws(() => envOptions({ K6_EXECUTION_SEGMENT_SEQUENCE: '0,x' }), /K6_EXECUTION_SEGMENT_SEQUENCE '0,x'/);
});
