import { TrendSink } from './hdr.ts';

export type MetricType = 'counter' | 'gauge' | 'rate' | 'trend';
export type ValueType = 'default' | 'time' | 'data';

export class CounterSink {
  count = 0;
  /** a sample came, even of 0: k6 lists only metrics that got samples */
  seen = false;
  add(v: number): void {
    this.count += v;
    this.seen = true;
  }
}

export class GaugeSink {
  value = 0;
  min = Infinity;
  max = -Infinity;
  seen = false;
  add(v: number): void {
    this.value = v;
    this.seen = true;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }
}

export class RateSink {
  passes = 0;
  total = 0;
  add(v: number): void {
    this.total++;
    if (v !== 0) this.passes++;
  }
  get rate(): number {
    return this.total === 0 ? 0 : this.passes / this.total;
  }
  get fails(): number {
    return this.total - this.passes;
  }
}

export { TrendSink };
export type Sink = CounterSink | GaugeSink | RateSink | TrendSink;

export function newSink(type: MetricType): Sink {
  switch (type) {
    case 'counter':
      return new CounterSink();
    case 'gauge':
      return new GaugeSink();
    case 'rate':
      return new RateSink();
    case 'trend':
      return new TrendSink();
  }
}

export function sinkIsEmpty(s: Sink): boolean {
  if (s instanceof CounterSink) return !s.seen;
  if (s instanceof GaugeSink) return !s.seen;
  if (s instanceof RateSink) return s.total === 0;
  return s.count === 0;
}

/** `p(99.9)` → 99.9; undefined when the text is not a percentile. */
export function parsePercentile(stat: string): number | undefined {
  const m = /^p\((\d+(?:\.\d+)?)\)$/.exec(stat.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  return n >= 0 && n <= 100 ? n : undefined;
}

/** One aggregation of a sink; durationS turns counts into per-second rates. */
export function aggregate(s: Sink, agg: string, durationS: number): number | undefined {
  if (s instanceof CounterSink) {
    if (agg === 'count') return s.count;
    if (agg === 'rate') return durationS > 0 ? s.count / durationS : 0;
    return undefined;
  }
  if (s instanceof GaugeSink) {
    if (agg === 'value') return s.value;
    if (agg === 'min') return s.seen ? s.min : 0;
    if (agg === 'max') return s.seen ? s.max : 0;
    return undefined;
  }
  if (s instanceof RateSink) {
    if (agg === 'rate') return s.rate;
    if (agg === 'passes') return s.passes;
    if (agg === 'fails') return s.fails;
    return undefined;
  }
  switch (agg) {
    case 'avg':
      return s.avg;
    case 'min':
      return s.count === 0 ? 0 : s.min;
    case 'max':
      return s.count === 0 ? 0 : s.max;
    case 'med':
      return s.percentile(50);
    case 'count':
      return s.count;
  }
  const p = parsePercentile(agg);
  return p === undefined ? undefined : s.percentile(p);
}

export const AGGREGATIONS: Record<MetricType, string> = {
  counter: 'count, rate',
  gauge: 'value',
  rate: 'rate',
  trend: 'avg, min, max, med, p(N)',
};

export function aggregationValid(type: MetricType, agg: string): boolean {
  switch (type) {
    case 'counter':
      return agg === 'count' || agg === 'rate';
    case 'gauge':
      return agg === 'value';
    case 'rate':
      return agg === 'rate';
    case 'trend':
      return ['avg', 'min', 'max', 'med'].includes(agg) || parsePercentile(agg) !== undefined;
  }
}
