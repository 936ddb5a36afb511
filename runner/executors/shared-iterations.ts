import { iterationsInTest } from '../segments/shares.ts';
import type { ExecutorDefinition } from './base.ts';
import { iterationCount, IterationsRun } from './iterations.ts';

/**
 * `iterations` in total, taken by whichever of `vus` VUs is free; never more VUs than iterations. With an
 * execution segment, this instance's share of the VUs, and of the iterations striped by the VUs (k6 re-cuts the
 * segment sequence by the VU count, so an instance with more of the VUs also gets more of the iterations).
 */
export const sharedIterations: ExecutorDefinition = {
  fields: ['vus', 'iterations', 'maxDuration'],
  configure(raw, where, tuple) {
    const whole = iterationCount(raw, where);
    if (whole.iterations < whole.vus) whole.vus = whole.iterations;
    const byVus = tuple.forValue(whole.vus);
    const count = { ...whole, vus: tuple.scale(whole.vus), iterations: byVus?.scale(whole.iterations) ?? 0 };
    return (common, host) => {
      let left = count.iterations;
      const run = new IterationsRun(common, host, count, () => left-- > 0);
      run.info.nextIterationInTest = iterationsInTest(byVus);
      return run;
    };
  },
};
