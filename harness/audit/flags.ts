import path from 'node:path';
import { parseIntFlag, parseNumberFlag } from '../cli/main.ts';
import { projectRoot } from '../files/paths.ts';
import type { DatasetSpec } from '../../datasets/presets.ts';
import { readAllowList, type AllowList } from './allow-list.ts';
import { DEFAULT_THRESHOLDS, type GrowthThresholds } from './growth.ts';
import { parseSizes } from './sizes.ts';

/** The journey's own allow-list, in the project beside the k6 script it belongs to. */
export const DEFAULT_ALLOW_FILE = path.join(projectRoot, 'loadtests', 'growth-allow.txt');

export const DEFAULT_VISITORS = 60;

/** The flags `npm run audit:growth` and `npm run gate` share, for parseCli. */
export const auditFlags = {
  sizes: { type: 'string', default: 'tiny,small' },
  allow: { type: 'string' },
  visitors: { type: 'string' },
  'max-exponent': { type: 'string' },
  'min-work-increase': { type: 'string' },
} as const;

export interface AuditSettings {
  sizes: DatasetSpec[];
  allow: AllowList;
  visitors: number;
  thresholds: GrowthThresholds;
}

/** Validates the shared flags, each mistake one line naming the flag and what it accepts. */
export function auditSettings(values: {
  sizes?: string;
  allow?: string;
  visitors?: string;
  'max-exponent'?: string;
  'min-work-increase'?: string;
}): AuditSettings {
  return {
    sizes: parseSizes(values.sizes ?? 'tiny,small'),
    allow: readAllowList(path.resolve(values.allow ?? DEFAULT_ALLOW_FILE)),
    visitors: parseIntFlag('visitors', values.visitors, 10, 100_000) ?? DEFAULT_VISITORS,
    thresholds: {
      maxExponent:
        parseNumberFlag('max-exponent', values['max-exponent'], (n) => n > 0 && n < 5, 'a number above 0, e.g. 0.5') ??
        DEFAULT_THRESHOLDS.maxExponent,
      minWorkIncrease:
        parseNumberFlag(
          'min-work-increase',
          values['min-work-increase'],
          (n) => n >= 0,
          'a number >= 0 (rows and blocks per call)',
        ) ?? DEFAULT_THRESHOLDS.minWorkIncrease,
    },
  };
}
