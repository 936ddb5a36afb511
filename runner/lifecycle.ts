// setup() and teardown(): run once, on the VU that read the options, like k6's lifecycle (k6-subset §1).
import { EXIT, RunnerError, describeError } from './errors.ts';
import { parseDuration } from './duration.ts';
import { IterationToken, type VU } from './runtime.ts';
import type { TestRun } from './test-run.ts';

export type TeardownOutcome = 'ok' | 'failed' | 'timeout';

class PhaseTimeout extends Error {}

/** setupTimeout / teardownTimeout from the options (k6's default: 60s); the supervisor enforces them too. */
export function limitOf(run: TestRun, phase: 'setup' | 'teardown'): number {
  const v = run.options[`${phase}Timeout`];
  return v === undefined ? 60_000 : parseDuration(v, `options.${phase}Timeout`);
}

/**
 * Calls fn on the VU as one phase of the test: its own group (`::setup`) and a token an interrupt can cut.
 * Past the phase's time limit its requests and sleeps are cancelled and it fails with PhaseTimeout.
 */
async function inPhase<T>(run: TestRun, vu: VU, phase: 'setup' | 'teardown', fn: () => T | Promise<T>): Promise<T> {
  vu.phase = phase;
  const token = (vu.token = new IterationToken());
  vu.group = `::${phase}`;
  vu.refreshBase();
  let timer: NodeJS.Timeout | undefined;
  const limitMs = limitOf(run, phase);
  try {
    return await Promise.race([
      Promise.resolve().then(fn),
      new Promise<never>((_r, reject) => {
        timer = setTimeout(() => {
          token.interrupt();
          reject(new PhaseTimeout(`${phase}() took longer than ${phase}Timeout (${limitMs / 1000}s)`));
        }, limitMs);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    vu.group = '';
    vu.refreshBase();
    vu.token = null;
  }
}

/** setup(): its result is kept as JSON for every VU; a throw ends the test (exit 107) before any load. */
export async function runSetup(run: TestRun, vu: VU, setup: () => unknown): Promise<void> {
  try {
    const r = await inPhase(run, vu, 'setup', setup);
    run.setupJson = r === undefined ? undefined : JSON.stringify(r);
  } catch (err) {
    if (err instanceof PhaseTimeout) throw new RunnerError(err.message, EXIT.setupTimeout);
    throw new RunnerError(`setup() failed: ${describeError(err)} at ${run.rt.errorLocation(err)}`, EXIT.script);
  }
}

/** teardown(data): a throw is logged and makes the exit code 107, a timeout 101. */
export async function runTeardown(
  run: TestRun,
  vu: VU,
  teardown: (data: unknown) => unknown,
): Promise<TeardownOutcome> {
  try {
    await inPhase(run, vu, 'teardown', () => teardown(run.setupData()));
    return 'ok';
  } catch (err) {
    if (err instanceof PhaseTimeout) {
      run.rt.stderr.write(`error: ${err.message}\n`);
      return 'timeout';
    }
    run.rt.stderr.write(`error: teardown() failed: ${describeError(err)} at ${run.rt.errorLocation(err)}\n`);
    return 'failed';
  }
}
