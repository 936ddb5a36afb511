import { arrivalRateFactory, vuPool, type Schedule } from './arrival-rate.ts';
import type { ExecutorDefinition } from './base.ts';
import { dur, num } from './fields.ts';

/** Iteration i (from 0) is due at i·timeUnit/rate, on an absolute schedule that latency never shifts. */
export function constantSchedule(rate: number, timeUnitMs: number, durationMs: number): Schedule {
  const perMs = rate / timeUnitMs;
  if (perMs <= 0) return () => Infinity;
  return (i) => {
    const t = i / perMs;
    return t < durationMs ? t : Infinity;
  };
}

export const constantArrivalRate: ExecutorDefinition = {
  fields: ['rate', 'timeUnit', 'duration', 'preAllocatedVUs', 'maxVUs'],
  configure(raw, where, tuple) {
    const rate = num(raw, 'rate', where);
    const timeUnitMs = dur(raw, 'timeUnit', where, '1s');
    const durationMs = dur(raw, 'duration', where);
    const shape = { schedule: constantSchedule(rate, timeUnitMs, durationMs), durationMs, ...vuPool(raw, where) };
    return arrivalRateFactory(shape, tuple);
  },
};
