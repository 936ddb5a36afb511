import type { ExecutorDefinition } from './base.ts';
import { iterationCount, IterationsRun } from './iterations.ts';

/** `iterations` for each of `vus` VUs. */
export const perVuIterations: ExecutorDefinition = {
  fields: ['vus', 'iterations', 'maxDuration'],
  configure(raw, where) {
    const count = iterationCount(raw, where);
    return (common, host) => {
      const left = new Array<number>(count.vus).fill(count.iterations);
      return new IterationsRun(common, host, count, (vu) => left[vu]-- > 0);
    };
  },
};
