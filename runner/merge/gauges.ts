// Gauges over several instances: each instance's gauge is a level it held (its VUs, a queue it saw), so the whole
// test's value is the sum of each instance's last value per series; min and max are the sums of each instance's
// min and max (the instances' samples are not taken at the same moments, so these are bounds of the total).
import type { Metric, Registry, TagSet } from '../metrics/registry.ts';
import { GaugeSink } from '../metrics/sinks.ts';

interface Series {
  metric: Metric;
  tags: TagSet;
  /** per instance: its latest sample's time and value, its least and greatest value */
  last: Map<number, { timeMs: number; value: number; min: number; max: number }>;
}

export class GaugeMerge {
  private readonly series = new Map<string, Series>();

  note(instance: number, metric: Metric, tags: TagSet, value: number, timeMs: number): void {
    const key = `${metric.name}\u0000${tags.key}`;
    let s = this.series.get(key);
    if (s === undefined) {
      s = { metric, tags, last: new Map() };
      this.series.set(key, s);
    }
    const prev = s.last.get(instance);
    if (prev === undefined) s.last.set(instance, { timeMs, value, min: value, max: value });
    else {
      if (timeMs >= prev.timeMs) Object.assign(prev, { timeMs, value });
      prev.min = Math.min(prev.min, value);
      prev.max = Math.max(prev.max, value);
    }
  }

  /** Puts each series' merged value into the metric's sinks (and its submetrics'). */
  finish(registry: Registry): void {
    for (const s of this.series.values()) {
      let [sum, min, max] = [0, 0, 0];
      for (const i of s.last.values()) [sum, min, max] = [sum + i.value, min + i.min, max + i.max];
      for (const sink of registry.allSinks(s.metric, s.tags)) {
        if (!(sink instanceof GaugeSink)) continue;
        const fresh = !sink.seen;
        sink.add(sum);
        sink.min = fresh ? min : Math.min(sink.min, min);
        sink.max = fresh ? max : Math.max(sink.max, max);
      }
    }
  }
}
