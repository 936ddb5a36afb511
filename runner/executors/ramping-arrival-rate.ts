import { arrivalRateFactory, vuPool, type Schedule } from './arrival-rate.ts';
import type { ExecutorDefinition } from './base.ts';
import { dur, num, stages, totalMs, type Stage } from './fields.ts';

/**
 * The rate is linear within each stage, and iteration n (from 1) is due when the area under the rate curve
 * reaches n (k6-subset §2). Indices only grow, so a cursor walks the stages once.
 */
export function rampingSchedule(startRate: number, timeUnitMs: number, list: Stage[]): Schedule {
  const segs: { t0: number; d: number; r0: number; r1: number; a0: number; area: number }[] = [];
  let t0 = 0;
  let a0 = 0;
  let r0 = startRate / timeUnitMs;
  for (const s of list) {
    const r1 = s.target / timeUnitMs;
    const area = ((r0 + r1) / 2) * s.durationMs;
    segs.push({ t0, d: s.durationMs, r0, r1, a0, area });
    t0 += s.durationMs;
    a0 += area;
    r0 = r1;
  }
  const durationMs = t0;
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
    return at < durationMs ? at : Infinity;
  };
}

export const rampingArrivalRate: ExecutorDefinition = {
  fields: ['startRate', 'timeUnit', 'stages', 'preAllocatedVUs', 'maxVUs'],
  configure(raw, where, tuple) {
    const startRate = num(raw, 'startRate', where, 0);
    const timeUnitMs = dur(raw, 'timeUnit', where, '1s');
    const list = stages(raw, where);
    const shape = {
      schedule: rampingSchedule(startRate, timeUnitMs, list),
      durationMs: totalMs(list),
      ...vuPool(raw, where),
    };
    return arrivalRateFactory(shape, tuple);
  },
};
