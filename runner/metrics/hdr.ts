import { createRequire } from 'node:module';
import type * as hdr from 'hdr-histogram-js';

/** Past this many samples a trend stops keeping raw values (k6-subset §5): memory stays bounded. */
export const EXACT_LIMIT = 10_000;
// HDR stores integers: microseconds keep 3 significant digits (0.1 %) for anything from 1 µs up
const SCALE = 1000;

// HDR's layout for these settings (lowest discernible value 1, 3 significant digits): sub-buckets of
// 2048 values, each bucket after the first doubling the unit, half of each bucket overlapping the last.
const SUB_BUCKET_HALF_MAGNITUDE = 10;
const SUB_BUCKET_HALF = 1 << SUB_BUCKET_HALF_MAGNITUDE;
/** above this an integer no longer fits the 32-bit index arithmetic; such values go straight to HDR */
const INDEX_LIMIT = 2 ** 31;

/** The counts index HDR uses for integer v (0 <= v < 2^31): the same as its own countsArrayIndex(v). */
function indexOf(v: number): number {
  const bucket = Math.max(31 - Math.clz32(v) - SUB_BUCKET_HALF_MAGNITUDE, 0);
  return (bucket << SUB_BUCKET_HALF_MAGNITUDE) + (v >>> bucket);
}

/** The lowest value that HDR counts at `index`: the inverse of indexOf. */
function valueAt(index: number): number {
  let bucket = (index >>> SUB_BUCKET_HALF_MAGNITUDE) - 1;
  let sub = (index & (SUB_BUCKET_HALF - 1)) + SUB_BUCKET_HALF;
  if (bucket < 0) {
    sub -= SUB_BUCKET_HALF;
    bucket = 0;
  }
  return sub * 2 ** bucket;
}

/**
 * A Trend's storage: exact values (k6's percentile formula applied to them) while small, an HDR histogram
 * after, so a long run costs a few kB per tag set rather than 8 bytes per request.
 *
 * Once in histogram mode, a sample only increments a count at the index HDR would use (a shift and a
 * clz, where hdr-histogram-js computes a log2 and a pow per value); the counts are moved into the HDR
 * histogram when a percentile is read, so every answer is HDR's own, from the same counts.
 */
export class TrendSink {
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  private exact: number[] | null = [];
  private sorted = true;
  private histogram: hdr.Histogram | null = null;
  /** counts not yet in the histogram, by HDR index; touched indices lie in [lo, hi] */
  private pending: Uint32Array | null = null;
  private lo = Infinity;
  private hi = -1;

  add(v: number): void {
    if (TrendSink.shipping) {
      this.buffer(v);
      return;
    }
    this.count++;
    this.sum += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
    const exact = this.exact;
    if (exact !== null) {
      if (this.sorted && exact.length > 0 && v < exact[exact.length - 1]) this.sorted = false;
      exact.push(v);
      if (exact.length > EXACT_LIMIT) this.toHistogram();
      return;
    }
    const iv = v > 0 ? Math.round(v * SCALE) : 0;
    if (iv >= INDEX_LIMIT) {
      this.histogram!.recordValue(iv);
      return;
    }
    this.bump(indexOf(iv), 1);
  }

  /** n more samples at HDR index i, kept pending until a percentile is read */
  private bump(i: number, n: number): void {
    let pending = this.pending!;
    if (i >= pending.length) {
      let size = pending.length * 2;
      while (size <= i) size *= 2;
      const grown = new Uint32Array(size);
      grown.set(pending);
      this.pending = pending = grown;
    }
    pending[i] += n;
    if (i < this.lo) this.lo = i;
    if (i > this.hi) this.hi = i;
  }

  private toHistogram(): void {
    // loaded on first use: the engine's thread never builds a histogram, and should not load the library
    const h = (createRequire(import.meta.url)('hdr-histogram-js') as typeof hdr).build({
      bitBucketSize: 32,
      autoResize: true,
      lowestDiscernibleValue: 1,
      numberOfSignificantValueDigits: 3,
      useWebAssembly: false,
    });
    for (const v of this.exact!) h.recordValue(v > 0 ? Math.round(v * SCALE) : 0);
    this.histogram = h;
    this.exact = null;
    this.pending = new Uint32Array(4 * SUB_BUCKET_HALF);
  }

  /** Moves the pending counts into the HDR histogram. */
  private sync(): void {
    const pending = this.pending;
    if (pending === null || this.hi < 0) return;
    const h = this.histogram!;
    for (let i = this.lo; i <= this.hi; i++) {
      const c = pending[i];
      if (c !== 0) {
        h.recordValueWithCount(valueAt(i), c);
        pending[i] = 0;
      }
    }
    this.lo = Infinity;
    this.hi = -1;
  }

  get avg(): number {
    return this.count === 0 ? 0 : this.sum / this.count;
  }

  /** p in 0..100; k6's formula on exact values, HDR's value at that rank otherwise. Empty gives 0. */
  percentile(p: number): number {
    if (this.count === 0) return 0;
    if (p <= 0) return this.min;
    if (p >= 100) return this.max;
    const exact = this.exact;
    if (exact !== null) {
      if (!this.sorted) {
        exact.sort((a, b) => a - b);
        this.sorted = true;
      }
      const x = (p / 100) * (exact.length - 1);
      const lo = Math.floor(x);
      const hi = Math.ceil(x);
      return exact[lo] + (exact[hi] - exact[lo]) * (x - lo);
    }
    this.sync();
    // the HDR answer is the top of a bucket; clamp to the exact extremes we know
    const v = this.histogram!.getValueAtPercentile(p) / SCALE;
    return Math.min(this.max, Math.max(this.min, v));
  }

  get usesHistogram(): boolean {
    return this.histogram !== null;
  }

  /**
   * In a thread whose sinks are drained (the engine's worker), a sample is only buffered for the next shipment:
   * nothing there reads a trend's figures, and the main thread's sinks, which absorb the values, are the one
   * place that counts them and keeps the histogram.
   */
  static shipping = false;
  private shipped: Float64Array | null = null;
  private shippedLength = 0;

  private buffer(v: number): void {
    let b = this.shipped;
    if (b === null || this.shippedLength === b.length) {
      const grown = new Float64Array(b === null ? 64 : b.length * 2);
      if (b !== null) grown.set(b);
      this.shipped = b = grown;
    }
    b[this.shippedLength++] = v;
  }

  /**
   * The values buffered since the last drain, which this sink gives away: the array's buffer can be
   * transferred to another thread rather than copied, and the next samples go to a new one.
   */
  drain(): Float64Array | null {
    const b = this.shipped;
    const n = this.shippedLength;
    if (b === null || n === 0) return null;
    // the next buffer starts at about what this interval needed, so a steady rate does not grow it again
    this.shipped = new Float64Array(Math.max(64, n));
    this.shippedLength = 0;
    return b.subarray(0, n);
  }

  /** Adds what another thread's sink drained. */
  absorb(values: Float64Array): void {
    for (let i = 0; i < values.length; i++) this.add(values[i]);
  }
}
