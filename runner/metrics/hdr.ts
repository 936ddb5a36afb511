import * as hdr from 'hdr-histogram-js';

/** Past this many samples a trend stops keeping raw values (k6-subset §5): memory stays bounded. */
export const EXACT_LIMIT = 10_000;
// HDR stores integers: microseconds keep 3 significant digits (0.1 %) for anything from 1 µs up
const SCALE = 1000;

/**
 * A Trend's storage: exact values (k6's percentile formula applied to them) while small, an HDR histogram
 * after, so a long run costs a few kB per tag set rather than 8 bytes per request.
 */
export class TrendSink {
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  private exact: number[] | null = [];
  private sorted = true;
  private histogram: hdr.Histogram | null = null;

  add(v: number): void {
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
    this.histogram!.recordValue(v > 0 ? Math.round(v * SCALE) : 0);
  }

  private toHistogram(): void {
    const h = hdr.build({ bitBucketSize: 32, autoResize: true, lowestDiscernibleValue: 1, numberOfSignificantValueDigits: 3, useWebAssembly: false });
    for (const v of this.exact!) h.recordValue(v > 0 ? Math.round(v * SCALE) : 0);
    this.histogram = h;
    this.exact = null;
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
    // the HDR answer is the top of a bucket; clamp to the exact extremes we know
    const v = this.histogram!.getValueAtPercentile(p) / SCALE;
    return Math.min(this.max, Math.max(this.min, v));
  }

  get usesHistogram(): boolean {
    return this.histogram !== null;
  }
}
