// The executor registry: each executor's fields, validation, defaults and run loop live in its own file.
import type { ExecutorDefinition } from './base.ts';
import { constantArrivalRate } from './constant-arrival-rate.ts';
import { constantVus } from './constant-vus.ts';
import { perVuIterations } from './per-vu-iterations.ts';
import { rampingArrivalRate } from './ramping-arrival-rate.ts';
import { rampingVus } from './ramping-vus.ts';
import { sharedIterations } from './shared-iterations.ts';

export const EXECUTORS: Readonly<Record<string, ExecutorDefinition>> = {
  'constant-arrival-rate': constantArrivalRate,
  'ramping-arrival-rate': rampingArrivalRate,
  'constant-vus': constantVus,
  'ramping-vus': rampingVus,
  'per-vu-iterations': perVuIterations,
  'shared-iterations': sharedIterations,
};

export function executorNamed(name: unknown): ExecutorDefinition | undefined {
  return typeof name === 'string' && Object.hasOwn(EXECUTORS, name) ? EXECUTORS[name] : undefined;
}
