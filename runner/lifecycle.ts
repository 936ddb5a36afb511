// setup() and teardown(): run once, on the VU that read the options, like k6's lifecycle (k6-subset §1).
import { EXIT, RunnerError, describeError } from './errors.ts';
import { IterationToken, type VU, type VuPhase } from './runtime.ts';
import type { TestRun } from './test-run.ts';

/** Calls fn on the VU as one phase of the test: its own group (`::setup`) and a token an interrupt can cut. */
async function inPhase<T>(vu: VU, phase: VuPhase, fn: () => T | Promise<T>): Promise<T> {
  vu.phase = phase;
  vu.token = new IterationToken();
  vu.group = `::${phase}`;
  vu.refreshBase();
  try {
    return await fn();
  } finally {
    vu.group = '';
    vu.refreshBase();
    vu.token = null;
  }
}

/** setup(): its result is kept as JSON for every VU; a throw ends the test (exit 107) before any load. */
export async function runSetup(run: TestRun, vu: VU, setup: () => unknown): Promise<void> {
  try {
    const r = await inPhase(vu, 'setup', setup);
    run.setupJson = r === undefined ? undefined : JSON.stringify(r);
  } catch (err) {
    throw new RunnerError(`setup() failed: ${describeError(err)} at ${run.rt.location((err as Error)?.stack)}`, EXIT.script);
  }
}

/** teardown(data): a throw is logged and makes the exit code 107; true when it failed. */
export async function runTeardown(run: TestRun, vu: VU, teardown: (data: unknown) => unknown): Promise<boolean> {
  try {
    await inPhase(vu, 'teardown', () => teardown(run.setupData()));
    return false;
  } catch (err) {
    run.rt.stderr.write(`error: teardown() failed: ${describeError(err)} at ${run.rt.location((err as Error)?.stack)}\n`);
    return true;
  }
}
