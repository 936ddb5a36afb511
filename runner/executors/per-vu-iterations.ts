import { iterationsInTest } from '../segments/shares.ts';
import type { ExecutorDefinition } from './base.ts';
import { iterationCount, IterationsRun } from './iterations.ts';

/** `iterations` for each of `vus` VUs; an execution segment takes its share of the VUs only, as on k6. */
export const perVuIterations: ExecutorDefinition = {
  fields: ['vus', 'iterations', 'maxDuration'],
  configure(raw, where, tuple) {
    const whole = iterationCount(raw, where);
    const count = { ...whole, vus: tuple.scale(whole.vus) };
    return (common, host) => {
      const left = new Array<number>(count.vus).fill(count.iterations);
      const run = new IterationsRun(common, host, count, (vu) => left[vu]-- > 0);
      run.info.nextIterationInTest = iterationsInTest(tuple);
      return run;
    };
  },
};
