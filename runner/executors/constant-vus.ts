import { performance } from 'node:perf_hooks';
import type { VU } from '../runtime.ts';
import { ScenarioRun, type ExecutorDefinition, type ExecutorHost, type ScenarioCommon } from './base.ts';
import { iterationsInTest } from '../segments/shares.ts';
import { dur, int } from './fields.ts';

/** Closed model: `vus` VUs loop over iterations until `duration`, then get `gracefulStop` to finish. */
export class ConstantVusRun extends ScenarioRun {
  constructor(
    config: ScenarioCommon,
    host: ExecutorHost,
    private readonly vusCount: number,
    private readonly durationMs: number,
  ) {
    super(config, host);
  }

  get plannedMs(): number {
    return this.durationMs;
  }

  protected async execute(): Promise<void> {
    for (let i = 0; i < this.vusCount; i++) this.addVU();
    const end = performance.now() + this.durationMs;
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
    await Promise.race([ended, this.sleep(this.durationMs)]);
    await this.drain(this.config.gracefulStopMs);
  }
}

export const constantVus: ExecutorDefinition = {
  fields: ['vus', 'duration'],
  configure(raw, where, tuple) {
    // an execution segment runs its share of the VUs, as k6 does
    const vus = tuple.scale(int(raw, 'vus', where, 1, 1));
    const durationMs = dur(raw, 'duration', where);
    return (common, host) => {
      const run = new ConstantVusRun(common, host, vus, durationMs);
      run.info.nextIterationInTest = iterationsInTest(tuple);
      return run;
    };
  },
};
