import { performance } from 'node:perf_hooks';
import type { VU } from '../runtime.ts';
import { ScenarioRun, type ExecutorDefinition, type ExecutorHost, type ScenarioCommon } from './base.ts';
import { iterationsInTest, ownedNumbers } from '../segments/shares.ts';
import { dur, int, stages, totalMs, type Stage } from './fields.ts';

/**
 * VU count follows the stages linearly from startVUs. A VU above the current target finishes its
 * iteration and then waits; past gracefulRampDown it is interrupted.
 */
export class RampingVusRun extends ScenarioRun {
  private readonly durationMs: number;

  constructor(
    config: ScenarioCommon,
    host: ExecutorHost,
    private readonly shape: {
      startVUs: number;
      stages: Stage[];
      gracefulRampDownMs: number;
      /** the test's VU numbers (from 0) this instance runs: all of them without an execution segment */
      owned: number[];
    },
  ) {
    super(config, host);
    this.durationMs = totalMs(shape.stages);
  }

  get plannedMs(): number {
    return this.durationMs;
  }

  target(elapsed: number): number {
    let from = this.shape.startVUs;
    let t = 0;
    for (const s of this.shape.stages) {
      if (elapsed < t + s.durationMs) return Math.round(from + ((s.target - from) * (elapsed - t)) / s.durationMs);
      t += s.durationMs;
      from = s.target;
    }
    return from;
  }

  protected async execute(): Promise<void> {
    // with an execution segment, VU number n of the whole test runs here when this instance owns it, and is
    // active while the whole test's target is above n: the instances together follow the stages as one would
    const owned = this.shape.owned;
    for (let i = 0; i < owned.length; i++) this.addVU();
    const start = performance.now();
    const end = start + this.durationMs;
    const overSince = new Map<VU, number>();
    const loop = async (vu: VU, index: number) => {
      while (!this.stopping && performance.now() < end) {
        if (owned[index] < this.target(performance.now() - start)) await this.runIteration(vu);
        else await this.sleep(10);
      }
    };
    // interrupts iterations of VUs ramped down longer than gracefulRampDown ago
    const watchdog = setInterval(() => {
      const now = performance.now();
      const target = this.target(now - start);
      this.vus.forEach((vu, index) => {
        if (owned[index] < target || vu.token === null) {
          overSince.delete(vu);
          return;
        }
        const since = overSince.get(vu) ?? now;
        overSince.set(vu, since);
        if (now - since >= this.shape.gracefulRampDownMs) {
          this.interrupt(vu.token);
        }
      });
    }, 50);
    try {
      await Promise.race([Promise.all(this.vus.map((vu, i) => loop(vu, i))), this.sleep(this.durationMs)]);
    } finally {
      clearInterval(watchdog);
    }
    await this.drain(this.config.gracefulStopMs);
  }
}

export const rampingVus: ExecutorDefinition = {
  fields: ['startVUs', 'stages', 'gracefulRampDown'],
  configure(raw, where, tuple) {
    const startVUs = int(raw, 'startVUs', where, 1);
    const list = stages(raw, where);
    const max = Math.max(startVUs, ...list.map((s) => s.target));
    const shape = {
      startVUs,
      stages: list,
      gracefulRampDownMs: dur(raw, 'gracefulRampDown', where, '30s'),
      owned: ownedNumbers(tuple, max),
    };
    return (common, host) => {
      const run = new RampingVusRun(common, host, shape);
      run.info.nextIterationInTest = iterationsInTest(tuple);
      return run;
    };
  },
};
