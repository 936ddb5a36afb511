import type { VU } from '../runtime.ts';

/** `k6/execution`: the parts of execution context a script usually reads. */
export function executionModule(vu: VU, testAbort: (reason: string) => void) {
  const rt = vu.rt;
  return {
    get vu() {
      return {
        idInTest: vu.id,
        idInInstance: vu.id,
        get iterationInInstance() {
          return vu.iteration;
        },
        get iterationInScenario() {
          return vu.iterationInScenario;
        },
        get tags() {
          return vu.tags;
        },
        metrics: { tags: vu.tags },
      };
    },
    get scenario() {
      const s = vu.scenario;
      return {
        name: s?.name ?? '',
        executor: s?.executor ?? '',
        startTime: s ? s.startedAt : 0,
        progress: 0,
        get iterationInInstance() {
          return vu.iterationInTest;
        },
        get iterationInTest() {
          return vu.iterationInTest;
        },
      };
    },
    get instance() {
      return { currentTestRunDuration: performance.now() - rt.testStartedAt, vusActive: 0, vusInitialized: rt.nextVuId - 1, iterationsCompleted: 0, iterationsInterrupted: 0 };
    },
    test: {
      abort: (reason?: string) => {
        testAbort(reason ?? 'test aborted by the script');
        throw new Error(`test aborted: ${reason ?? ''}`);
      },
      get options() {
        return {};
      },
    },
  };
}
