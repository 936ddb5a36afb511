import type { MetricType } from '../metrics/sinks.ts';
import type { Metric } from '../metrics/registry.ts';
import type { VU } from '../runtime.ts';

/** `k6/metrics`: metric objects declared in init code, adding samples with the VU's tags. */
export function metricsModule(vu: VU) {
  const rt = vu.rt;
  function make(type: MetricType) {
    return class {
      readonly name: string;
      private readonly metric: Metric;
      constructor(name: string, isTime = false) {
        if (vu.phase !== 'init')
          throw new Error(`metric '${name}': custom metrics can only be declared in the init context`);
        this.name = name;
        this.metric = rt.registry.metric(name, type, type === 'trend' && isTime ? 'time' : 'default');
      }
      add(value: number | boolean, tags?: Record<string, string | number | boolean>): boolean {
        if (vu.phase === 'init') throw new Error(`metric '${this.name}': add() is not allowed in the init context`);
        const v = typeof value === 'boolean' ? (value ? 1 : 0) : Number(value);
        if (value === null || value === undefined || Number.isNaN(v)) {
          rt.warnOnce(`nan:${this.name}`, `metric '${this.name}': a ${String(value)} value was dropped`);
          return false;
        }
        rt.registry.add(this.metric, vu.tagSetWith(tags), v);
        return true;
      }
    };
  }
  return { Counter: make('counter'), Gauge: make('gauge'), Rate: make('rate'), Trend: make('trend') };
}
