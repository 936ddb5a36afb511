import type { VU } from '../runtime.ts';

/** What k6/execution reads from the run as a whole. */
export interface ExecutionState {
  /** `exec.test.abort(reason)`: stops the whole test (exit 108) */
  abort(reason: string): void;
  /** `exec.test.fail(reason)`: the test runs on and exits 110 */
  fail(reason: string): void;
  /** the options the test runs with (the script's, with its scenarios resolved) */
  options(): Record<string, unknown>;
  instance(): {
    vusActive: number;
    vusInitialized: number;
    iterationsCompleted: number;
    iterationsInterrupted: number;
    currentTestRunDuration: number;
  };
  /** 0..1: how far the scenario is */
  progress(scenario: string): number;
}

/** `k6/execution`: the execution context of the VU, its scenario, the instance and the test. */
export function executionModule(vu: VU, state: ExecutionState) {
  return {
    get vu() {
      return {
        idInTest: vu.idInTest,
        idInInstance: vu.id,
        iterationInInstance: vu.iteration,
        iterationInScenario: vu.iterationInScenario,
        tags: vu.tags,
        metrics: { tags: vu.tags, metadata: {} },
      };
    },
    get scenario() {
      const s = vu.scenario;
      return {
        name: s?.name ?? '',
        executor: s?.executor ?? '',
        // k6 gives the wall-clock start in ms
        startTime: s ? Math.round(performance.timeOrigin + s.startedAt) : 0,
        progress: s ? state.progress(s.name) : 0,
        // with an execution segment, the scenario's count on this instance and the number in the whole test
        iterationInInstance: vu.iterationInScenario,
        iterationInTest: vu.iterationInTest,
      };
    },
    get instance() {
      return state.instance();
    },
    test: {
      abort: (reason?: string) => {
        state.abort(reason ?? 'test aborted by the script');
        throw new Error(`test aborted: ${reason ?? ''}`);
      },
      fail: (reason?: string) => state.fail(reason ?? 'test marked as failed by the script'),
      get options() {
        return state.options();
      },
    },
  };
}
