// Execution segments as k6 defines them (lib/execution_segment.go): an instance runs the part (from, to] of the
// test; a sequence of segments covers 0..1 without gaps. Values are split by striping: the whole numbers 0, 1, 2,
// ... are dealt out to the segments in a cycle of LCD (the least common denominator of their lengths), each
// segment getting as many per cycle as its length says, spaced as evenly as can be. So each instance can work out
// its own share alone, and the instances' shares of any count add up to that count.
import { EXIT, RunnerError } from '../errors.ts';
import { cmp, ONE, parseRat, rat, ratString, sub, ZERO, type Rat } from './rational.ts';

export interface Segment {
  from: Rat;
  to: Rat;
}

function bad(where: string, text: string, why: string): never {
  throw new RunnerError(`${where} '${text}' is not valid: ${why}`, EXIT.config);
}

const ACCEPTED = 'accepted: FROM:TO or TO, each a fraction, decimal or percentage, 0 <= FROM < TO <= 1, e.g. 1/4:1/2';

function ratOf(text: string, where: string, whole: string): Rat {
  const r = parseRat(text);
  if (r === undefined) bad(where, whole, `'${text}' is not a fraction, decimal or percentage (${ACCEPTED})`);
  return r;
}

function segmentOf(from: Rat, to: Rat, where: string, whole: string): Segment {
  if (cmp(from, to) >= 0) bad(where, whole, `its start ${ratString(from)} is not below its end ${ratString(to)}`);
  if (cmp(to, ONE) > 0) bad(where, whole, `its end ${ratString(to)} is above 1`);
  return { from, to };
}

/** `1/4:1/2`, `25%:50%`, `0.25:0.5`; a single value `1/4` means `0:1/4`; empty means the whole test. */
export function parseSegment(text: string, where = '--execution-segment'): Segment {
  const s = text.trim() === '' ? '1' : text.trim();
  const i = s.indexOf(':');
  const from = i < 0 ? ZERO : ratOf(s.slice(0, i), where, text);
  const to = ratOf(i < 0 ? s : s.slice(i + 1), where, text);
  return segmentOf(from, to, where, text);
}

/** `0,1/4,1/2,3/4,1`: consecutive points, each pair a segment. */
export function parseSequence(text: string, where = '--execution-segment-sequence'): Segment[] {
  if (text.trim() === '') return [];
  const points = text.split(',').map((p) => ratOf(p, where, text));
  if (points.length < 2) bad(where, text, 'at least 2 points are needed, e.g. 0,1/2,1');
  const out: Segment[] = [];
  for (let i = 1; i < points.length; i++) out.push(segmentOf(points[i - 1], points[i], where, text));
  return out;
}

export const segmentString = (s: Segment): string => `${ratString(s.from)}:${ratString(s.to)}`;
export const sequenceString = (seq: Segment[]): string =>
  [seq[0].from, ...seq.map((s) => s.to)].map(ratString).join(',');
const sameSegment = (a: Segment, b: Segment): boolean => cmp(a.from, b.from) === 0 && cmp(a.to, b.to) === 0;
const lengthOf = (s: Segment): Rat => sub(s.to, s.from);

/** The sequence padded to cover 0..1 (k6's GetFilledExecutionSegmentSequence), the segment alone when none. */
export function filledSequence(sequence: Segment[], segment: Segment | undefined): Segment[] {
  if (sequence.length === 0) {
    if (segment === undefined || cmp(lengthOf(segment), ONE) === 0) return [{ from: ZERO, to: ONE }];
    sequence = [segment];
  }
  const out = [...sequence];
  if (cmp(out[0].from, ZERO) !== 0) out.unshift({ from: ZERO, to: out[0].from });
  if (cmp(out[out.length - 1].to, ONE) !== 0) out.push({ from: out[out.length - 1].to, to: ONE });
  return out;
}

function lcdOf(seq: Segment[]): number {
  const g = (a: bigint, b: bigint): bigint => (b === 0n ? a : g(b, a % b));
  let acc = 1n;
  for (const s of seq) {
    const d = lengthOf(s).d;
    acc = (acc * d) / g(acc, d);
  }
  return Number(acc);
}

/**
 * The striping of k6's NewExecutionSegmentSequenceWrapper: for each segment the first whole number it owns in a
 * cycle, then the gaps to each next one, the last gap leading into the next cycle. Within a cycle of `lcd`
 * numbers, each number goes to the first segment (largest first) whose share so far is behind its length.
 */
function stripe(seq: Segment[], lcd: number): number[][] {
  const norm = seq.map((s, index) => {
    const len = lengthOf(s);
    return { numerator: Number(len.n) * (lcd / Number(len.d)), index };
  });
  const sorted = [...norm].sort((a, b) => b.numerator - a.numerator); // stable, as Go's SliceStable
  const offsets: number[][] = seq.map(() => []);
  const prev = seq.map(() => 0);
  const chosen = sorted.map(() => 0);
  for (let i = 0; i < lcd; i++) {
    for (let k = 0; k < sorted.length; k++) {
      const num = chosen[k] * lcd;
      const denom = sorted[k].numerator;
      const q = Math.floor(num / denom);
      if (i > q || (i === q && num % denom === 0)) {
        chosen[k]++;
        const idx = sorted[k].index;
        offsets[idx].push(i - prev[idx]);
        prev[idx] = i;
        if (offsets[idx].length === denom) offsets[idx].push(offsets[idx][0] + lcd - i);
        break;
      }
    }
  }
  return offsets;
}

/** A filled sequence with its striping worked out once (k6's ExecutionSegmentSequenceWrapper). */
class StripedSequence {
  readonly lcd: number;
  readonly offsets: number[][];

  constructor(readonly segments: Segment[]) {
    this.lcd = lcdOf(segments);
    this.offsets = stripe(segments, this.lcd);
  }

  /** how many of the whole numbers 0 .. value-1 segment `index` owns */
  scale(index: number, value: number): number {
    const [start, ...gaps] = this.offsets[index];
    let result = Math.floor(value / this.lcd) * gaps.length;
    for (let gi = 0, i = start; i < value % this.lcd; i += gaps[gi], gi++) result++;
    return result;
  }
}

/**
 * One instance's place in a sequence (k6's ExecutionTuple): what share of a count it takes, and which of the
 * test's numbers are its own.
 */
export class ExecutionTuple {
  private constructor(
    private readonly sequence: StripedSequence,
    readonly index: number,
  ) {}

  static of(segment: Segment | undefined, sequence: Segment[] = []): ExecutionTuple {
    const striped = new StripedSequence(filledSequence(sequence, segment));
    const target = segment ?? { from: ZERO, to: ONE };
    const index = striped.segments.findIndex((s) => sameSegment(s, target));
    if (index < 0)
      throw new RunnerError(
        `--execution-segment ${segmentString(target)} is not one of --execution-segment-sequence ${sequenceString(striped.segments)}`,
        EXIT.config,
      );
    return new ExecutionTuple(striped, index);
  }

  get segment(): Segment {
    return this.sequence.segments[this.index];
  }

  /** the filled sequence this tuple's segment is one of */
  sequenceSegments(): Segment[] {
    return [...this.sequence.segments];
  }

  /** the whole test on one instance */
  get whole(): boolean {
    return this.sequence.segments.length === 1;
  }

  /** this instance's share of `value` (VUs, iterations): the shares of all instances add up to `value` */
  scale(value: number): number {
    return this.whole ? value : this.sequence.scale(this.index, value);
  }

  /** the first number this instance owns, the gaps to the next ones (repeating), and the cycle length */
  stripes(): { start: number; gaps: number[]; lcd: number } {
    const [start, ...gaps] = this.sequence.offsets[this.index];
    return { start, gaps, lcd: this.sequence.lcd };
  }

  /**
   * The sequence re-cut so that each segment's length is its share of `value` (k6's
   * GetNewExecutionTupleFromValue): k6 stripes an executor's iterations this way, by its VUs, so that an
   * instance with a larger share of the VUs also starts the larger share of the iterations. Undefined when this
   * instance's share of `value` is 0 (the executor has no work here).
   */
  forValue(value: number): ExecutionTuple | undefined {
    if (value < 1) return undefined;
    if (value % this.sequence.lcd === 0) return this;
    const segments: Segment[] = [];
    let tracked = -1;
    let prev = 0;
    this.sequence.segments.forEach((_, i) => {
      const share = this.sequence.scale(i, value);
      if (share === 0) return;
      if (i === this.index) tracked = segments.length;
      segments.push({ from: rat(BigInt(prev), BigInt(value)), to: rat(BigInt(prev + share), BigInt(value)) });
      prev += share;
    });
    return tracked < 0 ? undefined : new ExecutionTuple(new StripedSequence(segments), tracked);
  }
}

/**
 * Walks the numbers a tuple owns, in order (k6's SegmentedIndex): `next()` gives the count so far on this
 * instance (scaled) and the number in the whole test (unscaled), both from 1.
 */
export class SegmentedIndex {
  private scaled = 0;
  private unscaled = 0;
  private readonly start: number;
  private readonly gaps: number[];

  constructor(tuple: ExecutionTuple) {
    ({ start: this.start, gaps: this.gaps } = tuple.stripes());
  }

  next(): { scaled: number; unscaled: number } {
    this.unscaled += this.scaled === 0 ? this.start + 1 : this.gaps[(this.scaled - 1) % this.gaps.length];
    this.scaled++;
    return { scaled: this.scaled, unscaled: this.unscaled };
  }
}

/** The tuple the options ask for: the whole test when neither option is set. */
export function executionTupleOf(options: Record<string, unknown>): ExecutionTuple {
  const seg = options.executionSegment;
  const seq = options.executionSegmentSequence;
  const text = (v: unknown, name: string): string => {
    if (v === undefined || v === null) return '';
    if (typeof v !== 'string') bad(`options.${name}`, JSON.stringify(v), `it must be a string (${ACCEPTED})`);
    return v;
  };
  const segText = text(seg, 'executionSegment');
  const segment = segText.trim() === '' ? undefined : parseSegment(segText, 'options.executionSegment');
  return ExecutionTuple.of(
    segment,
    parseSequence(text(seq, 'executionSegmentSequence'), 'options.executionSegmentSequence'),
  );
}
