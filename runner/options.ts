import { parseDuration } from './duration.ts';
import { RunnerError, EXIT } from './errors.ts';

export const EXECUTORS = ['constant-arrival-rate', 'ramping-arrival-rate', 'constant-vus', 'ramping-vus', 'per-vu-iterations', 'shared-iterations'] as const;
export type ExecutorName = (typeof EXECUTORS)[number];

export interface Stage {
  target: number;
  durationMs: number;
}

/** A scenario with every field resolved to numbers (ms) and defaults filled in (k6-subset §2). */
export interface ScenarioConfig {
  name: string;
  executor: ExecutorName;
  startTimeMs: number;
  gracefulStopMs: number;
  exec: string;
  env: Record<string, string>;
  tags: Record<string, string>;
  // arrival rate
  rate: number;
  timeUnitMs: number;
  durationMs: number;
  preAllocatedVUs: number;
  maxVUs: number;
  startRate: number;
  stages: Stage[];
  // vus
  vus: number;
  startVUs: number;
  gracefulRampDownMs: number;
  iterations: number;
  maxDurationMs: number;
}

type Raw = Record<string, unknown>;

function fail(msg: string): never {
  throw new RunnerError(msg, EXIT.config);
}

function num(raw: Raw, key: string, where: string, def?: number, min = 0): number {
  const v = raw[key];
  if (v === undefined || v === null) {
    if (def === undefined) fail(`${where}: '${key}' is required`);
    return def;
  }
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) fail(`${where}: '${key}' is ${JSON.stringify(v)} (accepted: a number >= ${min})`);
  return v;
}

function int(raw: Raw, key: string, where: string, def?: number, min = 0): number {
  const v = num(raw, key, where, def, min);
  if (!Number.isInteger(v)) fail(`${where}: '${key}' is ${v} (accepted: a whole number >= ${min})`);
  return v;
}

function dur(raw: Raw, key: string, where: string, def?: string): number {
  const v = raw[key];
  if (v === undefined || v === null) {
    if (def === undefined) fail(`${where}: '${key}' is required`);
    return parseDuration(def, `${where}.${key}`);
  }
  return parseDuration(v, `${where}.${key}`);
}

function stringMap(raw: Raw, key: string, where: string): Record<string, string> {
  const v = raw[key];
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) fail(`${where}: '${key}' must be an object of strings`);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v as Raw)) out[k] = String(x);
  return out;
}

function stages(raw: Raw, where: string): Stage[] {
  const v = raw.stages;
  if (!Array.isArray(v) || v.length === 0) fail(`${where}: 'stages' is required (a non-empty list of {target, duration})`);
  return v.map((s: unknown, i: number) => {
    if (!s || typeof s !== 'object') fail(`${where}: stages[${i}] must be {target, duration}`);
    return { target: num(s as Raw, 'target', `${where}.stages[${i}]`), durationMs: dur(s as Raw, 'duration', `${where}.stages[${i}]`) };
  });
}

const COMMON = ['executor', 'startTime', 'gracefulStop', 'exec', 'env', 'tags'];
const FIELDS: Record<ExecutorName, string[]> = {
  'constant-arrival-rate': ['rate', 'timeUnit', 'duration', 'preAllocatedVUs', 'maxVUs'],
  'ramping-arrival-rate': ['startRate', 'timeUnit', 'stages', 'preAllocatedVUs', 'maxVUs'],
  'constant-vus': ['vus', 'duration'],
  'ramping-vus': ['startVUs', 'stages', 'gracefulRampDown'],
  'per-vu-iterations': ['vus', 'iterations', 'maxDuration'],
  'shared-iterations': ['vus', 'iterations', 'maxDuration'],
};

export function scenarioConfig(name: string, raw: Raw, exports: Record<string, unknown>): ScenarioConfig {
  const where = `scenario '${name}'`;
  const executor = raw.executor;
  if (typeof executor !== 'string' || !(EXECUTORS as readonly string[]).includes(executor)) {
    fail(`${where}: unknown executor '${String(executor)}' (accepted: ${EXECUTORS.join(', ')})`);
  }
  const ex = executor as ExecutorName;
  for (const k of Object.keys(raw)) {
    if (!COMMON.includes(k) && !FIELDS[ex].includes(k)) fail(`${where}: '${k}' is not a field of ${ex} (accepted: ${[...COMMON, ...FIELDS[ex]].join(', ')})`);
  }
  const exec = raw.exec === undefined ? 'default' : String(raw.exec);
  if (typeof exports[exec] !== 'function') fail(`${where}: exec '${exec}' is not a function exported by the script`);
  const c: ScenarioConfig = {
    name,
    executor: ex,
    startTimeMs: dur(raw, 'startTime', where, '0s'),
    gracefulStopMs: dur(raw, 'gracefulStop', where, '30s'),
    exec,
    env: stringMap(raw, 'env', where),
    tags: stringMap(raw, 'tags', where),
    rate: 0,
    timeUnitMs: 1000,
    durationMs: 0,
    preAllocatedVUs: 0,
    maxVUs: 0,
    startRate: 0,
    stages: [],
    vus: 1,
    startVUs: 1,
    gracefulRampDownMs: 30_000,
    iterations: 1,
    maxDurationMs: 600_000,
  };
  switch (ex) {
    case 'constant-arrival-rate':
      c.rate = num(raw, 'rate', where, undefined, 0);
      c.timeUnitMs = dur(raw, 'timeUnit', where, '1s');
      c.durationMs = dur(raw, 'duration', where);
      c.preAllocatedVUs = int(raw, 'preAllocatedVUs', where);
      c.maxVUs = int(raw, 'maxVUs', where, c.preAllocatedVUs);
      break;
    case 'ramping-arrival-rate':
      c.startRate = num(raw, 'startRate', where, 0);
      c.timeUnitMs = dur(raw, 'timeUnit', where, '1s');
      c.stages = stages(raw, where);
      c.durationMs = c.stages.reduce((a, s) => a + s.durationMs, 0);
      c.preAllocatedVUs = int(raw, 'preAllocatedVUs', where);
      c.maxVUs = int(raw, 'maxVUs', where, c.preAllocatedVUs);
      break;
    case 'constant-vus':
      c.vus = int(raw, 'vus', where, 1, 1);
      c.durationMs = dur(raw, 'duration', where);
      break;
    case 'ramping-vus':
      c.startVUs = int(raw, 'startVUs', where, 1);
      c.stages = stages(raw, where);
      c.durationMs = c.stages.reduce((a, s) => a + s.durationMs, 0);
      c.gracefulRampDownMs = dur(raw, 'gracefulRampDown', where, '30s');
      break;
    case 'per-vu-iterations':
    case 'shared-iterations':
      c.vus = int(raw, 'vus', where, 1, 1);
      c.iterations = int(raw, 'iterations', where, 1, 1);
      c.maxDurationMs = dur(raw, 'maxDuration', where, '10m');
      if (ex === 'shared-iterations' && c.iterations < c.vus) c.vus = c.iterations;
      break;
  }
  if ((ex === 'constant-arrival-rate' || ex === 'ramping-arrival-rate') && c.maxVUs < c.preAllocatedVUs) {
    fail(`${where}: maxVUs (${c.maxVUs}) is below preAllocatedVUs (${c.preAllocatedVUs})`);
  }
  return c;
}

/** options → scenarios, applying k6's shortcuts (k6-subset §1). */
export function scenariosOf(options: Raw, exports: Record<string, unknown>): ScenarioConfig[] {
  const hasShortcut = ['vus', 'duration', 'iterations', 'stages'].some((k) => options[k] !== undefined);
  if (options.scenarios !== undefined) {
    if (hasShortcut) fail(`options: 'scenarios' cannot be combined with the shortcuts vus/duration/iterations/stages`);
    const sc = options.scenarios;
    if (!sc || typeof sc !== 'object' || Object.keys(sc).length === 0) fail(`options: 'scenarios' must be an object with at least one scenario`);
    return Object.entries(sc as Record<string, Raw>).map(([n, s]) => {
      if (!/^[0-9A-Za-z_-]+$/.test(n)) fail(`scenario name '${n}' is invalid (accepted: letters, digits, _ and -)`);
      return scenarioConfig(n, s ?? {}, exports);
    });
  }
  let raw: Raw;
  if (options.stages !== undefined) raw = { executor: 'ramping-vus', startVUs: options.vus ?? 1, stages: options.stages };
  else if (options.iterations !== undefined) raw = { executor: 'shared-iterations', vus: options.vus ?? 1, iterations: options.iterations, ...(options.duration !== undefined ? { maxDuration: options.duration } : {}) };
  else if (options.duration !== undefined) raw = { executor: 'constant-vus', vus: options.vus ?? 1, duration: options.duration };
  else if (options.vus !== undefined) raw = { executor: 'shared-iterations', vus: options.vus, iterations: options.vus };
  else raw = { executor: 'shared-iterations', vus: 1, iterations: 1 };
  return [scenarioConfig('default', raw, exports)];
}
