import type { ExecutorDefinition } from './base.ts';
import { iterationCount, IterationsRun } from './iterations.ts';

/** `iterations` in total, taken by whichever of `vus` VUs is free; never more VUs than iterations. */
export const sharedIterations: ExecutorDefinition = {
  fields: ['vus', 'iterations', 'maxDuration'],
  configure(raw, where) {
    const count = iterationCount(raw, where);
    if (count.iterations < count.vus) count.vus = count.iterations;
    return (common, host) => {
      let left = count.iterations;
      return new IterationsRun(common, host, count, () => left-- > 0);
    };
  },
};
