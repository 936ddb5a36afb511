import type { VU } from '../runtime.ts';
import { ScenarioRun } from './base.ts';

/** Closed model: `vus` VUs loop over iterations until `duration`, then get `gracefulStop` to finish. */
export class ConstantVusRun extends ScenarioRun {
  get plannedMs(): number {
    return this.config.durationMs;
  }

  protected async execute(): Promise<void> {
    for (let i = 0; i < this.config.vus; i++) this.addVU();
    const end = performance.now() + this.config.durationMs;
    // each VU loops by callbacks: an iteration's end starts the next one, with no promise in between
    let looping = this.vus.length;
    let allEnded!: () => void;
    const ended = new Promise<void>((resolve) => (allEnded = resolve));
    const next = (vu: VU): void => {
      if (!this.stopping && performance.now() < end) this.startIteration(vu, next);
      else if (--looping === 0) allEnded();
    };
    if (looping === 0) allEnded();
    for (const vu of [...this.vus]) next(vu);
    await Promise.race([ended, this.sleep(this.config.durationMs)]);
    await this.drain(this.config.gracefulStopMs);
  }
}

/**
 * VU count follows the stages linearly from startVUs. A VU above the current target finishes its
 * iteration and then waits; past gracefulRampDown it is interrupted.
 */
export class RampingVusRun extends ScenarioRun {
  get plannedMs(): number {
    return this.config.durationMs;
  }

  target(elapsed: number): number {
    let from = this.config.startVUs;
    let t = 0;
    for (const s of this.config.stages) {
      if (elapsed < t + s.durationMs) return Math.round(from + ((s.target - from) * (elapsed - t)) / s.durationMs);
      t += s.durationMs;
      from = s.target;
    }
    return from;
  }

  protected async execute(): Promise<void> {
    const max = Math.max(this.config.startVUs, ...this.config.stages.map((s) => s.target));
    for (let i = 0; i < max; i++) this.addVU();
    const start = performance.now();
    const end = start + this.config.durationMs;
    const overSince = new Map<VU, number>();
    const loop = async (vu: VU, index: number) => {
      while (!this.stopping && performance.now() < end) {
        if (index < this.target(performance.now() - start)) await this.runIteration(vu);
        else await this.sleep(10);
      }
    };
    // interrupts iterations of VUs ramped down longer than gracefulRampDown ago
    const watchdog = setInterval(() => {
      const now = performance.now();
      const target = this.target(now - start);
      this.vus.forEach((vu, index) => {
        if (index < target || vu.token === null) {
          overSince.delete(vu);
          return;
        }
        const since = overSince.get(vu) ?? now;
        overSince.set(vu, since);
        if (now - since >= this.config.gracefulRampDownMs) {
          this.interrupt(vu.token);
        }
      });
    }, 50);
    try {
      await Promise.race([Promise.all(this.vus.map((vu, i) => loop(vu, i))), this.sleep(this.config.durationMs)]);
    } finally {
      clearInterval(watchdog);
    }
    await this.drain(this.config.gracefulStopMs);
  }
}
