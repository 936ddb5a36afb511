import { parseDuration } from '../duration.ts';
import { RunnerError, EXIT } from '../errors.ts';

/** A scenario as the script wrote it. */
export type Raw = Record<string, unknown>;

export interface Stage {
  target: number;
  durationMs: number;
}

export function fail(msg: string): never {
  throw new RunnerError(msg, EXIT.config);
}

/** A number field; `def` undefined makes it required. */
export function num(raw: Raw, key: string, where: string, def?: number, min = 0): number {
  const v = raw[key];
  if (v === undefined || v === null) {
    if (def === undefined) fail(`${where}: '${key}' is required`);
    return def;
  }
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min)
    fail(`${where}: '${key}' is ${JSON.stringify(v)} (accepted: a number >= ${min})`);
  return v;
}

export function int(raw: Raw, key: string, where: string, def?: number, min = 0): number {
  const v = num(raw, key, where, def, min);
  if (!Number.isInteger(v)) fail(`${where}: '${key}' is ${v} (accepted: a whole number >= ${min})`);
  return v;
}

/** A duration field in ms; `def` (a k6 duration) undefined makes it required. */
export function dur(raw: Raw, key: string, where: string, def?: string): number {
  const v = raw[key];
  if (v === undefined || v === null) {
    if (def === undefined) fail(`${where}: '${key}' is required`);
    return parseDuration(def, `${where}.${key}`);
  }
  return parseDuration(v, `${where}.${key}`);
}

export function stringMap(raw: Raw, key: string, where: string): Record<string, string> {
  const v = raw[key];
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) fail(`${where}: '${key}' must be an object of strings`);
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v as Raw)) out[k] = String(x);
  return out;
}

export function stages(raw: Raw, where: string): Stage[] {
  const v = raw.stages;
  if (!Array.isArray(v) || v.length === 0)
    fail(`${where}: 'stages' is required (a non-empty list of {target, duration})`);
  return v.map((s: unknown, i: number) => {
    if (!s || typeof s !== 'object') fail(`${where}: stages[${i}] must be {target, duration}`);
    return {
      target: num(s as Raw, 'target', `${where}.stages[${i}]`),
      durationMs: dur(s as Raw, 'duration', `${where}.stages[${i}]`),
    };
  });
}

export function totalMs(list: Stage[]): number {
  return list.reduce((a, s) => a + s.durationMs, 0);
}
