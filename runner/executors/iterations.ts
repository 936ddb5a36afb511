import { performance } from 'node:perf_hooks';
import { ScenarioRun, type ExecutorHost, type ScenarioCommon } from './base.ts';
import { dur, int, type Raw } from './fields.ts';

/** The fields both iteration-count executors have: vus (1), iterations (1), maxDuration (10m). */
export interface IterationCount {
  vus: number;
  iterations: number;
  maxDurationMs: number;
}

export function iterationCount(raw: Raw, where: string): IterationCount {
  return {
    vus: int(raw, 'vus', where, 1, 1),
    iterations: int(raw, 'iterations', where, 1, 1),
    maxDurationMs: dur(raw, 'maxDuration', where, '10m'),
  };
}

/**
 * Each VU loops while `claim(vu index)` grants it one more iteration (the executor decides: its own count or a
 * shared one); whatever has not started by maxDuration is dropped.
 */
export class IterationsRun extends ScenarioRun {
  constructor(
    config: ScenarioCommon,
    host: ExecutorHost,
    private readonly count: IterationCount,
    private readonly claim: (vuIndex: number) => boolean,
  ) {
    super(config, host);
  }

  get plannedMs(): number {
    return this.count.maxDurationMs;
  }

  /** the share of the iterations done, as k6 reports it for these executors */
  override progress(): number {
    const total =
      this.config.executor === 'per-vu-iterations' ? this.count.iterations * this.count.vus : this.count.iterations;
    return Math.min(1, (this.completed + this.interrupted) / total);
  }

  protected async execute(): Promise<void> {
    for (let i = 0; i < this.count.vus; i++) this.addVU();
    const end = performance.now() + this.count.maxDurationMs;
    const loops = this.vus.map(async (vu, index) => {
      while (!this.stopping && performance.now() < end && this.claim(index)) await this.runIteration(vu);
    });
    const all = Promise.all(loops).then(() => true);
    const finished = await Promise.race([all, this.sleep(this.count.maxDurationMs).then(() => false)]);
    // On a busy machine the loops can see maxDuration pass before the timer fires: what they did not start is
    // dropped all the same.
    if (!finished || performance.now() >= end) this.dropUnstarted();
    if (!finished) await this.drain(this.config.gracefulStopMs);
  }

  /** What had not started by maxDuration is dropped, one dropped_iterations sample for all of it, as k6 does. */
  private dropUnstarted(): void {
    const total =
      this.config.executor === 'per-vu-iterations' ? this.count.iterations * this.count.vus : this.count.iterations;
    const unstarted = total - this.info.iterationsStarted;
    if (unstarted <= 0) return;
    this.dropped = unstarted;
    const rt = this.host.rt;
    rt.registry.add(rt.metrics.dropped_iterations, this.scenarioTags(), unstarted);
  }
}
