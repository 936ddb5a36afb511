import type { ScenarioConfig } from '../options.ts';
import { IterationToken, type Runtime, type ScenarioInfo, type VU } from '../runtime.ts';

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

const immediate = () => new Promise<void>((r) => setImmediate(r));

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
  private readonly interruptWaiters = new Map<IterationToken, () => void>();
  protected readonly timers = new Set<NodeJS.Timeout>();
  completed = 0;
  interrupted = 0;

  constructor(
    readonly config: ScenarioConfig,
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
  protected abstract execute(): Promise<void>;

  async run(): Promise<void> {
    this.info.startedAt = performance.now();
    await this.execute();
    for (const t of this.timers) clearTimeout(t);
  }

  protected addVU(): VU {
    const vu = this.host.newVU(this.info);
    vu.idInScenario = this.vus.length + 1;
    this.vus.push(vu);
    return vu;
  }

  protected sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.add(t);
    });
  }

  /** Runs one iteration; resolves when it ends or is interrupted. */
  async runIteration(vu: VU): Promise<void> {
    const rt = this.host.rt;
    const token = new IterationToken();
    vu.token = token;
    vu.phase = 'run';
    this.active.add(token);
    vu.iterationInScenario = this.info.iterationsStarted++;
    vu.iterationInTest = this.info.nextIterationInTest();
    vu.instance.setIter(vu.iteration);
    if (!rt.noCookiesReset) vu.jar.clear();
    const fn = vu.instance.exports[this.config.exec] as IterationFn;
    const t0 = performance.now();
    let sync = true;
    try {
      const r = fn(vu.setupData);
      if (r !== null && typeof r === 'object' && typeof (r as Promise<unknown>).then === 'function') {
        sync = false;
        // one promise that settles with the iteration or with its interruption, whichever comes first
        let failure: unknown;
        let failed = false;
        await new Promise<void>((res) => {
          this.interruptWaiters.set(token, res);
          (r as Promise<unknown>).then(
            () => res(),
            (err: unknown) => {
              failed = true;
              failure = err;
              res();
            },
          );
        });
        if (failed) throw failure;
      }
    } catch (err) {
      if (!token.interrupted) this.host.iterationError(err);
    }
    this.interruptWaiters.delete(token);
    this.active.delete(token);
    if (vu.token === token) vu.token = null;
    vu.iteration++;
    vu.group = '';
    if (token.interrupted) {
      this.interrupted++;
    } else {
      this.completed++;
      const m = rt.metrics;
      const t = performance.timeOrigin + performance.now();
      rt.registry.add(m.iteration_duration, vu.baseTagSet, t - performance.timeOrigin - t0, t);
      rt.registry.add(m.iterations, vu.baseTagSet, 1, t);
      if (token.ops.size > 0) {
        for (const op of token.ops) {
          const loc = rt.location(op.site.stack);
          rt.warnOnce(`pending:${loc}`, `an iteration of scenario '${this.info.name}' ended with ${op.what} still pending at ${loc} (missing await?)`);
        }
      }
    }
    if (this.active.size === 0 && this.idleWaiter) this.idleWaiter();
    // a script without real I/O would otherwise loop on microtasks and starve timers and sockets
    if (sync) await immediate();
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
    this.interruptWaiters.get(token)?.();
  }

  /** Stops now: nothing new starts, running iterations are interrupted (abortOnFail, signals). */
  abort(): void {
    this.aborted = true;
    this.stopping = true;
    this.interruptAll();
    for (const t of this.timers) clearTimeout(t);
    this.onAbort();
    this.idleWaiter?.();
  }

  protected onAbort(): void {}
}
