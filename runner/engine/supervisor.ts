// The main thread's hold on the engine: it starts the worker thread that plays the test, takes in what it
// ships, judges the thresholds, draws the progress line, passes on aborts, and terminates the thread when a
// VU's code never yields past the phase's deadline (maxDuration + gracefulStop, setupTimeout,
// teardownTimeout, or at once after an abort): the test then ends on time with what the thread shipped.
import { Worker } from 'node:worker_threads';
import { EXIT, RunnerError } from '../errors.ts';
import { Progress } from '../progress.ts';
import type { Runtime } from '../runtime.ts';
import type { AbortReason } from '../test-run.ts';
import { evaluate, type ThresholdGroup } from '../thresholds.ts';
import { Absorber } from './absorber.ts';
import { workerEntry } from './worker-entry.ts';
import type {
  EngineDone,
  EnginePhase,
  EngineStart,
  ErrorInfo,
  FromEngine,
  ScenarioStatus,
  Shipment,
} from './protocol.ts';

/**
 * Past a deadline, a thread silent this long (it ships every 100 ms) is stuck: in a VU's code that never
 * yields, or in a stop that takes longer (interrupting 10,000 requests at once took over 0.5 s here).
 */
const STALL_MS = 1000;
const WATCH_MS = 50;
const THRESHOLD_INTERVAL_MS = 2000;

export interface EngineOutcome extends Omit<EngineDone, 't'> {
  iterationErrors: number;
  scenarios: ScenarioStatus[];
  setupJson: string | undefined;
  /** the phase in which the thread was terminated because it stopped answering; null when it ended itself */
  stopped: EnginePhase | null;
  /** the thread ended itself and, as `keepForSummary` asked, still runs: handleSummary goes there */
  alive: boolean;
}

export interface EngineSupervision {
  start: EngineStart;
  /** the main thread's runtime: its registry and group tree receive the shipments */
  rt: Runtime;
  thresholds: ThresholdGroup[];
  stderr: NodeJS.WritableStream;
  progressTo: NodeJS.WriteStream | undefined;
  signal: AbortSignal | undefined;
}

const wallNow = () => performance.timeOrigin + performance.now();

export function toError(e: ErrorInfo): Error {
  return e.exitCode === null ? new Error(e.message) : new RunnerError(e.message, e.exitCode);
}

/** A thread started early, its modules loading while the main thread bundles the script. */
export interface EngineThread {
  worker: Promise<{ worker: Worker; exited: () => boolean }>;
  /** ends the thread if no test was played on it (a script or configuration error) */
  dispose(): void;
}

export function bootEngine(): EngineThread {
  const worker = workerEntry().then((entry) => {
    const w = new Worker(entry.code, { eval: entry.eval, execArgv: entry.execArgv });
    let exited = false;
    // until superviseEngine listens: a thread that failed to start is reported there
    w.on('error', () => {});
    w.once('exit', () => (exited = true));
    return { worker: w, exited: () => exited };
  });
  return { worker, dispose: () => void worker.then(({ worker: w }) => w.terminate()).catch(() => {}) };
}

/**
 * Plays the test on a worker thread and resolves once that thread is gone, however it ended, or, when it stays
 * for handleSummary, once it said the test is done.
 */
export async function superviseEngine(thread: EngineThread, s: EngineSupervision): Promise<EngineOutcome> {
  const { worker, exited } = await thread.worker;
  if (exited()) throw new Error('the engine thread ended before the test started');
  return new Promise<EngineOutcome>((resolve, reject) => {
    new Supervision(worker, s, resolve, reject).begin();
  });
}

/**
 * k6 still runs teardown after it interrupted a VU: the thread that played the load was stopped, so teardown runs
 * on a new one (the caller's, which it disposes: handleSummary may run there next), with setup's data, under
 * teardownTimeout; its samples and checks add to the test's.
 */
export async function teardownAfterStop(
  s: EngineSupervision,
  stopped: EngineOutcome,
  thread: EngineThread,
): Promise<EngineOutcome> {
  const start = { ...s.start, teardownOnly: { setupJson: stopped.setupJson } };
  const td = await superviseEngine(thread, { ...s, start, progressTo: undefined });
  return {
    ...stopped,
    abortedBy: stopped.abortedBy ?? td.abortedBy,
    scriptAbortCode: stopped.scriptAbortCode || td.scriptAbortCode,
    markedFailed: stopped.markedFailed || td.markedFailed,
    teardown: td.teardown,
    alive: td.alive,
  };
}

const NOTHING_SHIPPED: Shipment = {
  t: 'metrics',
  names: [],
  sinks: [],
  groups: null,
  points: null,
  scenarios: [],
  iterationErrors: 0,
  abortedBy: null,
  scriptAbortCode: 0,
  markedFailed: false,
};

/** One test's supervision: the phase and its deadline, what was shipped last, how the thread ended. */
class Supervision {
  private readonly absorber: Absorber;
  private readonly progress: Progress | undefined;
  private phase: EnginePhase = 'init';
  private phaseLimitMs = Number.POSITIVE_INFINITY;
  private deadline = Number.POSITIVE_INFINITY;
  private lastHeard = wallNow();
  private loadAt = 0;
  private loadMs = 0;
  private last: Shipment = NOTHING_SHIPPED;
  private abortedBy: AbortReason | null = null;
  private setupJson: string | undefined;
  private done: EngineDone | undefined;
  private failure: Error | undefined;
  private stopped: EnginePhase | null = null;
  private thresholdTimer: NodeJS.Timeout | undefined;
  private watch: NodeJS.Timeout | undefined;
  private readonly onSignal = () => this.abort('signal');
  private readonly onMessage = (m: FromEngine) => this.heard(m);
  private readonly onError = (err: Error) => {
    this.failure ??= err;
  };
  private readonly onExit = () => this.ended();
  /** the thread ended itself and stays for handleSummary: this supervision let go of it */
  private released = false;

  constructor(
    private readonly worker: Worker,
    private readonly s: EngineSupervision,
    private readonly resolve: (o: EngineOutcome) => void,
    private readonly reject: (err: unknown) => void,
  ) {
    this.absorber = new Absorber(s.rt);
    this.progress = s.progressTo ? new Progress(s.progressTo, s.rt, () => this.last.scenarios) : undefined;
  }

  begin(): void {
    const { worker, s } = this;
    worker.on('message', this.onMessage);
    worker.on('error', this.onError);
    worker.on('exit', this.onExit);
    worker.postMessage({ t: 'start', start: s.start });
    s.signal?.addEventListener('abort', this.onSignal, { once: true });
    if (s.signal?.aborted) this.abort('signal');
    this.watch = setInterval(() => this.check(), WATCH_MS);
  }

  private abort(why: AbortReason): void {
    if (this.abortedBy !== null) return;
    this.abortedBy = why;
    this.worker.postMessage({ t: 'abort', why });
    this.deadline = Math.min(this.deadline, wallNow());
  }

  /** abortOnFail, judged here every 2 s as k6 does, from what was shipped so far */
  private judge(): void {
    const elapsed = wallNow() - this.loadAt;
    const { abort: failed } = evaluate(this.s.thresholds, elapsed / 1000, false, elapsed);
    if (failed && this.abortedBy === null) {
      this.s.rt.warn(`threshold '${failed.source}' failed with abortOnFail: stopping the test`);
      this.abort('threshold');
    }
  }

  private enter(p: EnginePhase, at: number, limitMs: number): void {
    if (this.phase === 'load') {
      this.loadMs = at - this.loadAt;
      clearInterval(this.thresholdTimer);
      this.progress?.stop();
    }
    this.phase = p;
    this.phaseLimitMs = limitMs;
    // an abort cuts the load short, but teardown after a failed threshold gets its own time, as on k6
    this.deadline = this.abortedBy !== null && p !== 'teardown' ? Math.min(this.deadline, at + limitMs) : at + limitMs;
    if (p === 'load') {
      this.loadAt = at;
      this.thresholdTimer = setInterval(() => this.judge(), THRESHOLD_INTERVAL_MS);
      this.progress?.start();
    }
  }

  private heard(m: FromEngine): void {
    this.lastHeard = wallNow();
    if (m.t === 'metrics') {
      this.absorber.absorb(m);
      this.last = m;
    } else if (m.t === 'stderr') this.s.stderr.write(m.text);
    else if (m.t === 'phase') this.enter(m.phase, m.at, m.limitMs);
    else if (m.t === 'setup') this.setupJson = m.json;
    else if (m.t === 'inited' || m.t === 'summarized') return;
    else if (m.t === 'done' && this.s.start.keepForSummary && this.stopped === null) {
      this.done = m;
      this.release();
    } else {
      if (m.t === 'done') this.done = m;
      else this.failure = toError(m.error);
      void this.worker.terminate();
    }
  }

  /** The test is over and the thread stays for handleSummary: the supervision ends without it. */
  private release(): void {
    this.released = true;
    this.worker.off('message', this.onMessage);
    this.worker.off('error', this.onError);
    this.worker.off('exit', this.onExit);
    this.ended();
  }

  /** Past the deadline, a thread that has not shipped for STALL_MS is stuck in a VU's code: stop it. */
  private check(): void {
    const now = wallNow();
    if (this.stopped !== null || this.done !== undefined || now < this.deadline) return;
    if (now - this.lastHeard <= STALL_MS) return;
    this.stopped = this.phase;
    const cause = this.abortedBy === null ? `its ${this.phase} deadline` : `the ${this.abortedBy} abort`;
    this.s.stderr.write(
      `warning: the VUs' thread did not answer for ${((now - this.lastHeard) / 1000).toFixed(1)} s, past ${cause} ` +
        `(a VU's code that never yields?): it was stopped, its running iterations count as interrupted\n`,
    );
    void this.worker.terminate();
  }

  private ended(): void {
    clearInterval(this.watch);
    clearInterval(this.thresholdTimer);
    if (this.phase === 'load') this.progress?.stop();
    this.s.signal?.removeEventListener('abort', this.onSignal);
    const { done, stopped, last } = this;
    if (done !== undefined) {
      const { t: _, ...result } = done;
      this.resolve({
        ...result,
        iterationErrors: last.iterationErrors,
        scenarios: last.scenarios,
        setupJson: this.setupJson,
        stopped: null,
        alive: this.released,
      });
    } else if (stopped === null) this.reject(this.failure ?? new Error('the engine thread ended without a result'));
    else this.endStopped(stopped);
  }

  /** The outcome of a thread that had to be stopped, from its last shipment. */
  private endStopped(stopped: EnginePhase): void {
    const { last, s } = this;
    const limit = `${this.phaseLimitMs / 1000}s`;
    if (stopped === 'setup' && this.abortedBy === null) {
      this.reject(new RunnerError(`setup() took longer than setupTimeout (${limit})`, EXIT.setupTimeout));
      return;
    }
    if (stopped === 'teardown') s.stderr.write(`error: teardown() took longer than teardownTimeout (${limit})\n`);
    this.resolve({
      durationMs: stopped === 'load' ? wallNow() - this.loadAt : this.loadMs,
      abortedBy: last.abortedBy ?? this.abortedBy,
      scriptAbortCode: last.scriptAbortCode,
      markedFailed: last.markedFailed,
      teardown: stopped === 'teardown' ? 'timeout' : 'ok',
      scriptError: null,
      iterationErrors: last.iterationErrors,
      // what was running when the thread stopped was interrupted, as k6 interrupts a VU's runtime
      scenarios: last.scenarios.map((r) => ({ ...r, interrupted: r.interrupted + r.active, active: 0 })),
      setupJson: this.setupJson,
      stopped,
      alive: false,
    });
  }
}
