// The load phase: every scenario started at its startTime, with the vus gauges.
import type { ScenarioPlan } from './scenarios.ts';
import type { TestRun } from './test-run.ts';

const GAUGE_INTERVAL_MS = 1000;

export interface LoadPhase {
  durationMs: number;
  /** init code of a VU started mid-run (maxVUs growth) threw: the test was stopped */
  scriptError: unknown;
}

/** vus and vus_max every second while the test runs (no scenario tag), as k6 samples them: none at the end. */
function sampleVus(run: TestRun): { stop(): void } {
  const { rt, runs } = run;
  const tags = rt.registry.tagSetOf(rt.globalTags);
  const active = () => runs.reduce((a, r) => a + r.active.size, 0);
  const initialized = () => runs.reduce((a, r) => a + r.vus.length, 0);
  const timer = setInterval(() => {
    rt.registry.add(rt.metrics.vus, tags, active());
    rt.registry.add(rt.metrics.vus_max, tags, initialized());
  }, GAUGE_INTERVAL_MS);
  return {
    stop() {
      clearInterval(timer);
    },
  };
}

/**
 * Plays the scenarios on this thread (the engine's worker). `started` gets the runs as soon as they exist; the
 * thresholds, the progress line and the hard stop past gracefulStop are the supervisor's, on the main thread.
 */
export async function runScenarios(
  run: TestRun,
  plans: ScenarioPlan[],
  started: (runs: TestRun['runs']) => void,
): Promise<LoadPhase> {
  const rt = run.rt;
  rt.testStartedAt = performance.now();
  for (const plan of plans) run.runs.push(plan.start(run.host));
  started(run.runs);
  const gauges = sampleVus(run);
  let scriptError: unknown;
  try {
    await Promise.all(
      run.runs.map(async (r) => {
        if (run.abortedBy === null && (await run.waitToStart(r.config.startTimeMs))) await r.run();
      }),
    );
  } catch (err) {
    scriptError = err;
    run.abort('script');
  }
  const durationMs = performance.now() - rt.testStartedAt;
  gauges.stop();
  return { durationMs, scriptError };
}
