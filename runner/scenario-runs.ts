// The load phase: every scenario started at its startTime, with the vus gauges, threshold checks and progress.
import { evaluate, type ThresholdGroup } from './thresholds.ts';
import { Progress } from './progress.ts';
import type { ScenarioPlan } from './scenarios.ts';
import type { TestRun } from './test-run.ts';

const GAUGE_INTERVAL_MS = 1000;
const THRESHOLD_INTERVAL_MS = 2000;

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

/** Evaluates thresholds every 2 s; the first failed abortOnFail threshold stops the test. */
function watchThresholds(run: TestRun, thresholds: ThresholdGroup[]): NodeJS.Timeout {
  return setInterval(() => {
    const elapsed = performance.now() - run.rt.testStartedAt;
    const { abort } = evaluate(thresholds, elapsed / 1000, false, elapsed);
    if (abort) {
      run.rt.warn(`threshold '${abort.source}' failed with abortOnFail: stopping the test`);
      run.abort('threshold');
    }
  }, THRESHOLD_INTERVAL_MS);
}

export async function runScenarios(
  run: TestRun,
  plans: ScenarioPlan[],
  thresholds: ThresholdGroup[],
  progressTo: NodeJS.WriteStream | undefined,
): Promise<LoadPhase> {
  const rt = run.rt;
  rt.testStartedAt = performance.now();
  for (const plan of plans) run.runs.push(plan.start(run.host));
  const gauges = sampleVus(run);
  const thresholdTimer = watchThresholds(run, thresholds);
  const progress = progressTo ? new Progress(progressTo, rt, () => run.runs) : undefined;
  progress?.start();
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
  } finally {
    clearInterval(thresholdTimer);
    progress?.stop();
  }
  const durationMs = performance.now() - rt.testStartedAt;
  gauges.stop();
  return { durationMs, scriptError };
}
