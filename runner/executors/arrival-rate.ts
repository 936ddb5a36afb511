import { performance } from 'node:perf_hooks';
import type { VU } from '../runtime.ts';
import { ScenarioRun, type ExecutorHost, type ScenarioCommon, type ScenarioFactory } from './base.ts';
import type { ExecutionTuple } from '../segments/segment.ts';
import { iterationsInTest, segmentedSchedule } from '../segments/shares.ts';
import { fail, int, type Raw } from './fields.ts';

/** When iteration i (from 0) is due, in ms from the scenario start; Infinity once past the end. */
export type Schedule = (i: number) => number;

/** What an arrival-rate scenario needs to run: its schedule and its VU pool. */
export interface ArrivalShape {
  schedule: Schedule;
  durationMs: number;
  preAllocatedVUs: number;
  maxVUs: number;
}

/** preAllocatedVUs (required) and maxVUs (default: preAllocatedVUs), common to both arrival-rate executors. */
export function vuPool(raw: Raw, where: string): { preAllocatedVUs: number; maxVUs: number } {
  const preAllocatedVUs = int(raw, 'preAllocatedVUs', where);
  const maxVUs = int(raw, 'maxVUs', where, preAllocatedVUs);
  if (maxVUs < preAllocatedVUs) fail(`${where}: maxVUs (${maxVUs}) is below preAllocatedVUs (${preAllocatedVUs})`);
  return { preAllocatedVUs, maxVUs };
}

/**
 * An arrival-rate scenario for one execution segment, as k6 runs it: its share of preAllocatedVUs and maxVUs,
 * and of the arrivals those striped by maxVUs (the test's arrival numbers it owns, each due when the whole test's
 * schedule says), so the instances together start every arrival of the whole test once.
 */
export function arrivalRateFactory(shape: ArrivalShape, tuple: ExecutionTuple): ScenarioFactory {
  const byMaxVUs = tuple.forValue(shape.maxVUs);
  const mine: ArrivalShape = {
    ...shape,
    schedule: segmentedSchedule(shape.schedule, byMaxVUs),
    preAllocatedVUs: tuple.scale(shape.preAllocatedVUs),
    maxVUs: tuple.scale(shape.maxVUs),
  };
  return (common, host) => {
    const run = new ArrivalRateRun(common, host, mine);
    run.info.nextIterationInTest = iterationsInTest(byMaxVUs);
    return run;
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
  /** an iteration ended: its VU serves later arrivals */
  private readonly release = (vu: VU): void => {
    if (!this.aborted) this.free.push(vu);
  };

  constructor(
    config: ScenarioCommon,
    host: ExecutorHost,
    private readonly shape: ArrivalShape,
  ) {
    super(config, host);
    this.schedule = shape.schedule;
  }

  get plannedMs(): number {
    return this.shape.durationMs;
  }

  protected async execute(): Promise<void> {
    for (let i = 0; i < this.shape.preAllocatedVUs; i++) this.free.push(this.addVU());
    const rt = this.host.rt;
    const m = rt.metrics;
    const reg = rt.registry;
    const dropTags = this.scenarioTags();
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
    if (this.vus.length >= this.shape.maxVUs) {
      this.host.rt.warnOnce(
        `maxvus:${this.config.name}`,
        `scenario '${this.config.name}': all ${this.shape.maxVUs} VUs (maxVUs) are busy, arrivals are being dropped (see dropped_iterations)`,
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
