import { createHash } from 'node:crypto';
import type { Tags } from './metrics/registry.ts';

/** A script's tag object as k6 keeps it: every value a string, null and undefined dropped. */
export function stringTags(t: object | undefined): Tags {
  const out: Tags = {};
  if (!t) return out;
  for (const [k, v] of Object.entries(t)) if (v !== undefined && v !== null) out[k] = String(v);
  return out;
}

/** k6 names groups and checks by the md5 of their path. */
export function md5(s: string): string {
  return createHash('md5').update(s).digest('hex');
}
