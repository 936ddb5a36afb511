// What an executor takes from its execution segment, as k6's executors do (lib/executor/*.go): its share of VUs,
// which of the test's iterations and VUs are its own, and the numbers exec.scenario reports for them.
import { SegmentedIndex, type ExecutionTuple } from './segment.ts';

/** when arrival i (from 0) is due, as executors/arrival-rate.ts defines it (kept apart: no import cycle) */
type Schedule = (i: number) => number;

/**
 * The number in the whole test of each iteration this instance starts (exec.scenario.iterationInTest), from 0;
 * without a tuple the plain count.
 */
export function iterationsInTest(tuple: ExecutionTuple | undefined): () => number {
  if (tuple === undefined || tuple.whole) {
    let n = 0;
    return () => n++;
  }
  const index = new SegmentedIndex(tuple);
  return () => index.next().unscaled - 1;
}

/** Of the numbers 0 .. count-1, the ones this instance owns, in order (ramping-vus: which VUs are its own). */
export function ownedNumbers(tuple: ExecutionTuple, count: number): number[] {
  const out: number[] = [];
  if (tuple.scale(count) === 0) return out;
  const index = new SegmentedIndex(tuple);
  for (;;) {
    const { unscaled } = index.next();
    if (unscaled > count) return out;
    out.push(unscaled - 1);
  }
}

/**
 * An arrival-rate schedule for one instance: its i-th arrival is the test's arrival number `owned(i)`, due when
 * the whole test's schedule says (k6 walks the striped offsets over the unscaled ticker). Calls come with i
 * growing (the same i again while waiting), so one cursor walks the owned numbers once.
 */
export function segmentedSchedule(whole: Schedule, tuple: ExecutionTuple | undefined): Schedule {
  if (tuple === undefined) return () => Infinity; // no share of the VUs here: k6 gives such an executor no work
  if (tuple.whole) return whole;
  const index = new SegmentedIndex(tuple);
  let local = -1;
  let global = -1;
  return (i) => {
    while (local < i) {
      global = index.next().unscaled - 1;
      local++;
    }
    return whole(global);
  };
}
