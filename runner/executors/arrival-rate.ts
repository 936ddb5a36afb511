import type { ScenarioConfig } from '../options.ts';
import type { VU } from '../runtime.ts';
import { ScenarioRun, type ExecutorHost } from './base.ts';

/** When iteration i (from 0) is due, in ms from the scenario start; Infinity once past the end. */
export type Schedule = (i: number) => number;

export function constantSchedule(c: ScenarioConfig): Schedule {
  const perMs = c.rate / c.timeUnitMs;
  if (perMs <= 0) return () => Infinity;
  return (i) => {
    const t = i / perMs;
    return t < c.durationMs ? t : Infinity;
  };
}

/**
 * Ramping: the rate is linear within each stage, and iteration n (from 1) is due when the area under the
 * rate curve reaches n (k6-subset §2). Indices only grow, so a cursor walks the stages once.
 */
export function rampingSchedule(c: ScenarioConfig): Schedule {
  const segs: { t0: number; d: number; r0: number; r1: number; a0: number; area: number }[] = [];
  let t0 = 0;
  let a0 = 0;
  let r0 = c.startRate / c.timeUnitMs;
  for (const s of c.stages) {
    const r1 = s.target / c.timeUnitMs;
    const area = ((r0 + r1) / 2) * s.durationMs;
    segs.push({ t0, d: s.durationMs, r0, r1, a0, area });
    t0 += s.durationMs;
    a0 += area;
    r0 = r1;
  }
  let k = 0;
  return (i) => {
    const n = i + 1;
    while (k < segs.length && segs[k].a0 + segs[k].area < n - 1e-9) k++;
    if (k >= segs.length) return Infinity;
    const s = segs[k];
    const need = n - s.a0;
    const a = (s.r1 - s.r0) / (2 * s.d);
    const b = s.r0;
    // a·t² + b·t = need, in a form that stays exact when a is 0 or negative
    const disc = b * b + 4 * a * need;
    const t = Math.abs(a) < 1e-15 ? need / b : (2 * need) / (b + Math.sqrt(Math.max(0, disc)));
    const at = s.t0 + Math.min(t, s.d);
    return at < c.durationMs ? at : Infinity;
  };
}

/**
 * The open model: iterations start on an absolute schedule whatever the latency; an arrival that finds
 * no free VU is dropped (counted, never queued) and one more VU is started in the background while below
 * maxVUs. How late each start was against its due time is recorded as `iteration_start_lag`.
 */
export class ArrivalRateRun extends ScenarioRun {
  private readonly free: VU[] = [];
  private allocating = false;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private finish: (() => void) | undefined;
  private readonly schedule: Schedule;
  scheduled = 0;
  dropped = 0;
  /** an iteration ended: its VU serves later arrivals */
  private readonly release = (vu: VU): void => {
    if (!this.aborted) this.free.push(vu);
  };

  constructor(config: ScenarioConfig, host: ExecutorHost) {
    super(config, host);
    this.schedule = config.executor === 'ramping-arrival-rate' ? rampingSchedule(config) : constantSchedule(config);
  }

  get plannedMs(): number {
    return this.config.durationMs;
  }

  protected async execute(): Promise<void> {
    for (let i = 0; i < this.config.preAllocatedVUs; i++) this.free.push(this.addVU());
    const rt = this.host.rt;
    const m = rt.metrics;
    const reg = rt.registry;
    const dropTags = reg.tagSetOf({ ...rt.globalTags, ...this.config.tags, scenario: this.config.name });
    const start = performance.now();
    this.info.startedAt = start;
    let i = 0;
    await new Promise<void>((resolve) => {
      this.finish = resolve;
      const tick = () => {
        this.timer = undefined;
        this.immediate = undefined;
        if (this.stopping) return resolve();
        const now = performance.now();
        let due = this.schedule(i);
        while (start + due <= now) {
          i++;
          this.scheduled++;
          const vu = this.free.pop();
          if (vu !== undefined) {
            reg.add(m.iteration_start_lag, vu.baseTagSet, now - start - due);
            this.startIteration(vu, this.release);
          } else {
            this.dropped++;
            reg.add(m.dropped_iterations, dropTags, 1);
            this.grow();
          }
          due = this.schedule(i);
        }
        if (due === Infinity) return resolve();
        const wait = start + due - performance.now();
        // a timer for the bulk of the wait, then setImmediate turns until due: timers alone fire ~1 ms late
        if (wait >= 2) this.timer = setTimeout(tick, Math.floor(wait) - 1);
        else this.immediate = setImmediate(tick);
      };
      tick();
    });
    this.finish = undefined;
    await this.drain(this.config.gracefulStopMs);
  }

  private grow(): void {
    if (this.allocating || this.stopping) return;
    if (this.vus.length >= this.config.maxVUs) {
      this.host.rt.warnOnce(
        `maxvus:${this.config.name}`,
        `scenario '${this.config.name}': all ${this.config.maxVUs} VUs (maxVUs) are busy, arrivals are being dropped (see dropped_iterations)`,
      );
      return;
    }
    this.allocating = true;
    setImmediate(() => {
      this.allocating = false;
      if (this.stopping) return;
      this.free.unshift(this.addVU());
    });
  }

  protected override onAbort(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.finish?.();
  }
}
