import { ScenarioRun } from './base.ts';

/** `iterations` per VU, or `iterations` shared by all VUs; whatever has not started by maxDuration is dropped. */
export class IterationsRun extends ScenarioRun {
  get plannedMs(): number {
    return this.config.maxDurationMs;
  }

  protected async execute(): Promise<void> {
    for (let i = 0; i < this.config.vus; i++) this.addVU();
    const end = performance.now() + this.config.maxDurationMs;
    const shared = this.config.executor === 'shared-iterations';
    let left = this.config.iterations;
    const loops = this.vus.map(async (vu) => {
      let mine = this.config.iterations;
      while (!this.stopping && performance.now() < end) {
        if (shared) {
          if (left <= 0) return;
          left--;
        } else {
          if (mine <= 0) return;
          mine--;
        }
        await this.runIteration(vu);
      }
    });
    const all = Promise.all(loops).then(() => true);
    const finished = await Promise.race([all, this.sleep(this.config.maxDurationMs).then(() => false)]);
    if (!finished) await this.drain(this.config.gracefulStopMs);
  }
}
