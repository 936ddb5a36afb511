import { iterationsInTest } from './segments/shares.ts';
import type { ExecutionTuple } from './segments/segment.ts';
import path from 'node:path';
import { EXIT, RunnerError, describeError } from './errors.ts';
import type { ExecutorHost, ScenarioRun } from './executors/base.ts';
import type { SharedArrays } from './k6/data.ts';
import type { ExecutionState } from './k6/execution.ts';
import { scriptGlobals, ScriptFiles } from './k6/globals.ts';
import { HttpClient } from './http/client.ts';
import { DEFAULT_EXPECTED } from './http/expected.ts';
import type { LoadedScript } from './loader.ts';
import { moduleResolver } from './modules.ts';
import { Runtime, VU, type ScenarioInfo } from './runtime.ts';

export type AbortReason = 'threshold' | 'signal' | 'script';

/** The state one test run's VUs, executors and lifecycle share, and the ways it can be stopped. */
export class TestRun {
  readonly rt: Runtime;
  readonly client = new HttpClient();
  readonly runs: ScenarioRun[] = [];
  readonly host: ExecutorHost;
  abortedBy: AbortReason | null = null;
  /** the exit code a script's test.abort() asked for */
  scriptAbortCode = 0;
  /** exec.test.fail(): the test ran on, and exits 110 */
  markedFailed = false;
  /** the options as k6/execution's test.options shows them */
  options: Record<string, unknown> = {};
  private readonly sharedArrays: SharedArrays = new Map();
  private readonly files: ScriptFiles;
  private readonly execution: ExecutionState;
  iterationErrors = 0;
  /** setup()'s result as JSON: each VU and teardown get a private copy */
  setupJson: string | undefined;
  private readonly pendingStarts = new Set<() => void>();
  private readonly env: Record<string, string | undefined>;

  constructor(
    private readonly loaded: LoadedScript,
    env: Record<string, string> | undefined,
    stderr: NodeJS.WritableStream,
  ) {
    this.rt = new Runtime(loaded.file, stderr);
    this.files = new ScriptFiles(path.dirname(loaded.file));
    this.execution = this.executionState();
    // __ENV: the process environment < -e K=V < the scenario's env
    this.env = { ...process.env, ...(env ?? {}) };
    this.host = {
      rt: this.rt,
      newVU: (scenario) => this.newVU(this.rt.nextVuId++, scenario),
      setupData: () => this.setupData(),
      iterationError: (err) => this.iterationError(err),
    };
  }

  /** Stops everything once: nothing new starts, running iterations are interrupted. */
  abort(why: AbortReason): void {
    if (this.abortedBy) return;
    this.abortedBy = why;
    for (const r of this.runs) r.abort();
    for (const cancel of this.pendingStarts) cancel();
  }

  setupData(): unknown {
    return this.setupJson === undefined ? undefined : JSON.parse(this.setupJson);
  }

  /** exec.vu.idInTest of the next VU this instance makes; unset: the instance's own numbering */
  private nextIdInTest: (() => number) | undefined;

  /**
   * Under an execution segment the instance's VUs take the test-wide ids k6 gives them: its n-th VU the n-th
   * number the segment owns, so no two instances share an id (k6 documents gaps, never duplicates).
   */
  numberVusBy(tuple: ExecutionTuple): void {
    const inTest = iterationsInTest(tuple);
    this.nextIdInTest = () => inTest() + 1;
  }

  /** A VU with its own init context: the script's init code runs now. */
  newVU(id: number, scenario: ScenarioInfo | null): VU {
    const vu = new VU(this.rt, id, scenario, DEFAULT_EXPECTED);
    if (id > 0 && this.nextIdInTest) vu.idInTest = this.nextIdInTest();
    const require = moduleResolver(vu, {
      client: this.client,
      sharedArrays: this.sharedArrays,
      execution: this.execution,
    });
    try {
      vu.instance = this.loaded.factory(
        { ...this.env, ...(scenario?.env ?? {}) },
        id,
        require,
        scriptGlobals(vu, this.files),
      );
    } catch (err) {
      throw new RunnerError(
        `the script's init code failed: ${describeError(err)} at ${this.rt.errorLocation(err)}`,
        EXIT.script,
      );
    }
    vu.phase = 'run';
    vu.setupData = this.setupData();
    return vu;
  }

  /** Resolves true after `ms`, or false at once if the test is aborted first. */
  waitToStart(ms: number): Promise<boolean> {
    if (ms <= 0) return Promise.resolve(this.abortedBy === null);
    return new Promise<boolean>((resolve) => {
      const t = setTimeout(() => {
        this.pendingStarts.delete(cancel);
        resolve(this.abortedBy === null);
      }, ms);
      const cancel = () => {
        clearTimeout(t);
        resolve(false);
      };
      this.pendingStarts.add(cancel);
    });
  }

  private executionState(): ExecutionState {
    const sum = (f: (r: ScenarioRun) => number) => this.runs.reduce((a, r) => a + f(r), 0);
    return {
      abort: (reason) => {
        this.rt.warn(`test.abort(): ${reason}`);
        this.scriptAbortCode = EXIT.scriptAborted;
        setImmediate(() => this.abort('script'));
      },
      fail: (reason) => {
        this.rt.warnOnce(`fail:${reason}`, `test.fail(): ${reason}`);
        this.markedFailed = true;
      },
      options: () => this.options,
      instance: () => ({
        vusActive: sum((r) => r.active.size),
        vusInitialized: this.rt.nextVuId - 1,
        iterationsCompleted: sum((r) => r.completed),
        iterationsInterrupted: sum((r) => r.interrupted),
        currentTestRunDuration: performance.now() - this.rt.testStartedAt,
      }),
      progress: (name) => this.runs.find((r) => r.config.name === name)?.progress() ?? 0,
    };
  }

  private iterationError(err: unknown): void {
    this.iterationErrors++;
    const msg = describeError(err);
    const loc = this.rt.errorLocation(err);
    this.rt.warnOnce(
      `iter:${msg}:${loc}`,
      `an iteration threw: ${msg} at ${loc}${this.iterationErrors === 1 ? ' (each distinct error is logged once)' : ''}`,
    );
  }
}
