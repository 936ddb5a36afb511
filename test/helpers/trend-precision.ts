// How close a Trend's percentile, as the runner (or load:merge, which feeds the same sinks) reports it, must be to
// k6's formula over the exact values it was given: the bound follows from how runner/metrics/hdr.ts stores them.
import { EXACT_LIMIT } from '../../runner/metrics/hdr.ts';
import { percentile } from '../runner-server.ts';

/** HDR with 3 significant digits counts 2048 sub-buckets per power of two: a bucket is at most 2^-10 of its value */
const HDR_RELATIVE_WIDTH = 2 ** -10;
/** the sink records microseconds as integers: a value moves by at most half a microsecond */
const HDR_ROUNDING_MS = 0.0005;

export interface TrendBound {
  /** what k6's formula gives over the exact values */
  expected: number;
  low: number;
  high: number;
  /** why the bound is what it is, for the failure message */
  why: string;
}

/**
 * The range a sink's p(`p`) may take for these values.
 *
 * Up to EXACT_LIMIT samples the sink keeps every value and applies k6's formula itself, and `--out json` writes each
 * value in JavaScript's shortest round-trip form, so the figure must be the formula's to the last bit: no tolerance.
 * Past it, HDR answers with the top of the bucket holding the value at rank ceil(p·n), which lies one index below or
 * at ceil(x) for the formula's x = p·(n-1): so anything between those two values, widened by the microsecond
 * rounding and one bucket (and a few ulps of the float arithmetic on the way).
 */
export function trendBound(values: number[], p: number): TrendBound {
  const expected = percentile(values, p);
  if (values.length <= EXACT_LIMIT)
    return { expected, low: expected, high: expected, why: `${values.length} samples: exact values, no tolerance` };
  const v = [...values].sort((a, b) => a - b);
  const x = (p / 100) * (v.length - 1);
  const a = Math.max(Math.ceil(x) - 1, 0);
  const b = Math.min(Math.ceil(x), v.length - 1);
  const ulps = 1 + 1e-12;
  return {
    expected,
    low: (v[a] - HDR_ROUNDING_MS) / ulps,
    high: (v[b] + HDR_ROUNDING_MS) * (1 + HDR_RELATIVE_WIDTH) * ulps,
    why: `${values.length} samples: HDR, a bucket of 2^-10 and 0.5 µs around the neighbours ${v[a]} and ${v[b]}`,
  };
}

/** undefined when `reported` is within the bound for these values, else a line saying how far off it is */
export function trendMismatch(reported: number, values: number[], p: number): string | undefined {
  const b = trendBound(values, p);
  if (reported >= b.low && reported <= b.high) return undefined;
  return `p(${p}) ${reported} is outside [${b.low}, ${b.high}] around ${b.expected} (${b.why})`;
}
