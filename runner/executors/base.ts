import { performance } from 'node:perf_hooks';
import type { TagSet } from '../metrics/registry.ts';
import { IterationToken, type Runtime, type ScenarioInfo, type VU } from '../runtime.ts';
import type { ExecutionTuple } from '../segments/segment.ts';
import type { Raw } from './fields.ts';

/** The fields every scenario has, resolved (ms) with k6's defaults (k6-subset §2). */
export interface ScenarioCommon {
  name: string;
  executor: string;
  startTimeMs: number;
  gracefulStopMs: number;
  exec: string;
  env: Record<string, string>;
  tags: Record<string, string>;
}

/** Starts a scenario whose own fields were validated. */
export type ScenarioFactory = (common: ScenarioCommon, host: ExecutorHost) => ScenarioRun;

/** One executor: its own fields, their validation and defaults, and its run loop (the factory's class). */
export interface ExecutorDefinition {
  readonly fields: readonly string[];
  /** `tuple`: this instance's execution segment, whose share of the VUs and iterations the scenario runs */
  configure(raw: Raw, where: string, tuple: ExecutionTuple): ScenarioFactory;
}

export interface ExecutorHost {
  rt: Runtime;
  /** a fresh VU with its own init context (init code runs now) */
  newVU(scenario: ScenarioInfo): VU;
  /** a private copy of setup()'s result */
  setupData(): unknown;
  /** an iteration that threw: k6 logs it and carries on */
  iterationError(err: unknown): void;
}

type IterationFn = (data: unknown) => unknown;

/**
 * What all executors share: running one iteration on a VU with its metrics, the graceful stop that
 * interrupts what is still running, and the hard abort.
 */
export abstract class ScenarioRun {
  readonly info: ScenarioInfo;
  readonly active = new Set<IterationToken>();
  readonly vus: VU[] = [];
  /** no new iterations start */
  stopping = false;
  aborted = false;
  private idleWaiter: (() => void) | null = null;
  protected readonly timers = new Set<NodeJS.Timeout>();
  private readonly sleepers = new Set<() => void>();
  completed = 0;
  interrupted = 0;
  /** arrivals due so far (arrival-rate executors) */
  scheduled = 0;
  /** iterations that never started: no free VU when due, or not started by maxDuration */
  dropped = 0;

  constructor(
    readonly config: ScenarioCommon,
    readonly host: ExecutorHost,
  ) {
    let counter = 0;
    this.info = {
      name: config.name,
      executor: config.executor,
      startTimeMs: config.startTimeMs,
      tags: config.tags,
      env: config.env,
      exec: config.exec,
      startedAt: 0,
      iterationsStarted: 0,
      nextIterationInTest: () => counter++,
    };
  }

  /** scenario length before its graceful stop, for progress */
  abstract get plannedMs(): number;

  /** 0..1, as k6/execution's scenario.progress: the share of the scenario's time gone */
  progress(): number {
    if (this.info.startedAt === 0) return 0;
    return this.stopping ? 1 : Math.min(1, (performance.now() - this.info.startedAt) / this.plannedMs);
  }
  protected abstract execute(): Promise<void>;

  async run(): Promise<void> {
    this.info.startedAt = performance.now();
    await this.execute();
    for (const t of this.timers) clearTimeout(t);
  }

  /** The tags of samples that belong to the scenario rather than a VU (dropped_iterations). */
  protected scenarioTags(): TagSet {
    const rt = this.host.rt;
    return rt.registry.tagSetOf({ ...rt.globalTags, ...this.config.tags, scenario: this.config.name });
  }

  protected addVU(): VU {
    const vu = this.host.newVU(this.info);
    vu.idInScenario = this.vus.length + 1;
    this.vus.push(vu);
    return vu;
  }

  /** resolves after `ms`, or at once on abort(): a loop waiting on it must see the stop, not wait for good */
  protected sleep(ms: number): Promise<void> {
    if (this.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(t);
        this.timers.delete(t);
        this.sleepers.delete(wake);
        resolve();
      };
      const t = setTimeout(wake, ms);
      this.timers.add(t);
      this.sleepers.add(wake);
    });
  }

  /** Runs one iteration; resolves when it ends or is interrupted. */
  runIteration(vu: VU): Promise<void> {
    return new Promise((resolve) => this.startIteration(vu, () => resolve()));
  }

  /**
   * Starts one iteration; `done(vu)` is called once when it has ended or was interrupted. Callbacks
   * rather than an async function: a closed-loop VU then costs no promise per iteration of its own.
   * An iteration that did not return a promise (or threw at once) ends with a setImmediate turn before
   * `done`: a script without real I/O would otherwise loop on microtasks and starve timers and sockets.
   */
  startIteration(vu: VU, done: (vu: VU) => void): void {
    const rt = this.host.rt;
    const token = new IterationToken();
    vu.token = token;
    vu.phase = 'run';
    this.active.add(token);
    vu.iterationInScenario = this.info.iterationsStarted++;
    vu.iterationInTest = this.info.nextIterationInTest();
    vu.instance.setIter(vu.iteration);
    if (!rt.noCookiesReset) vu.jar.clear();
    // the bundle's exports are getters over getters (esbuild's CommonJS interop): resolve the function
    // once per VU, as k6 does when it sets the VU up, rather than on every iteration
    let fn = vu.iterationFn as IterationFn | null;
    if (fn === null) {
      fn = vu.instance.exports[this.config.exec] as IterationFn;
      if (typeof fn === 'function') vu.iterationFn = fn;
    }
    token.vu = vu;
    token.done = done;
    token.t0 = performance.now();
    let r: unknown;
    try {
      r = fn(vu.setupData);
    } catch (err) {
      if (!token.interrupted) this.host.iterationError(err);
      this.endIteration(token);
      this.handBack(vu, done, token, true);
      return;
    }
    if (r !== null && typeof r === 'object' && typeof (r as Promise<unknown>).then === 'function') {
      // settles with the iteration or with its interruption (interrupt()), whichever comes first
      token.waiting = true;
      (r as Promise<unknown>).then(
        () => this.settle(token, false, undefined),
        (err: unknown) => this.settle(token, true, err),
      );
      return;
    }
    if (token.hasPendingOps) {
      // k6 ends an iteration when its event loop is empty: un-awaited requests and timers too
      token.waiting = true;
      this.settle(token, false, undefined);
      return;
    }
    this.endIteration(token);
    this.handBack(vu, done, token, true);
  }

  /**
   * Hands the VU back once its iteration ended: after options.minIterationDuration when the iteration was
   * shorter (not counted in iteration_duration, as on k6), and after a setImmediate turn when it was
   * synchronous, so a script without I/O cannot starve timers and sockets.
   */
  private handBack(vu: VU, done: (vu: VU) => void, token: IterationToken, synchronous: boolean): void {
    const min = this.host.rt.minIterationMs;
    const rest = min > 0 ? min - (performance.now() - token.t0) : 0;
    if (rest > 0 && !token.interrupted && !this.aborted) {
      const t = setTimeout(() => {
        this.timers.delete(t);
        done(vu);
      }, rest);
      this.timers.add(t);
    } else if (synchronous) setImmediate(done, vu);
    else done(vu);
  }

  private settle(token: IterationToken, failed: boolean, err: unknown): void {
    if (!token.waiting) return;
    if (token.hasPendingOps && !token.interrupted) {
      // what settles last may queue callbacks that start more: look again once they have run
      token.whenIdle = () => setImmediate(() => this.settle(token, failed, err));
      return;
    }
    token.waiting = false;
    if (failed && !token.interrupted) this.host.iterationError(err);
    this.endIteration(token);
    const done = token.done!;
    const vu = token.vu!;
    token.done = null;
    this.handBack(vu, done, token, false);
  }

  private endIteration(token: IterationToken): void {
    const rt = this.host.rt;
    const vu = token.vu!;
    this.active.delete(token);
    if (vu.token === token) vu.token = null;
    vu.iteration++;
    vu.group = '';
    if (token.interrupted) {
      this.interrupted++;
    } else {
      this.completed++;
      const m = rt.metrics;
      const reg = rt.registry;
      const now = performance.now();
      // the sample time is only written out by --out json
      const t = reg.output !== undefined ? performance.timeOrigin + now : 0;
      reg.add(m.iteration_duration, vu.baseTagSet, now - token.t0, t);
      reg.add(m.iterations, vu.baseTagSet, 1, t);
    }
    if (this.active.size === 0 && this.idleWaiter) this.idleWaiter();
  }

  /** Waits for running iterations up to the grace period, then interrupts the rest. */
  protected async drain(graceMs: number): Promise<void> {
    this.stopping = true;
    if (this.active.size === 0) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        this.interruptAll();
        resolve();
      }, graceMs);
      this.idleWaiter = () => {
        clearTimeout(t);
        resolve();
      };
    });
    this.idleWaiter = null;
  }

  interruptAll(): void {
    for (const token of [...this.active]) this.interrupt(token);
  }

  protected interrupt(token: IterationToken): void {
    token.interrupt();
    this.settle(token, false, undefined);
  }

  /** Stops now: nothing new starts, running iterations are interrupted (abortOnFail, signals). */
  abort(): void {
    this.aborted = true;
    this.stopping = true;
    this.interruptAll();
    for (const t of this.timers) clearTimeout(t);
    for (const wake of [...this.sleepers]) wake();
    this.onAbort();
    this.idleWaiter?.();
  }

  protected onAbort(): void {}
}
