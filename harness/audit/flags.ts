import path from 'node:path';
import { parseIntFlag, parseNumberFlag } from '../cli/main.ts';
import type { FlagDefs } from '../cli/flags.ts';
import { projectRoot } from '../files/paths.ts';
import type { DatasetSpec } from '../../datasets/presets.ts';
import { readAllowList, type AllowList } from './allow-list.ts';
import { DEFAULT_THRESHOLDS, type GrowthThresholds } from './growth.ts';
import { parseSizes } from './sizes.ts';

/** The journey's own allow-list, in the project beside the k6 script it belongs to. */
export const DEFAULT_ALLOW_FILE = path.join(projectRoot, 'loadtests', 'growth-allow.txt');

export const DEFAULT_VISITORS = 60;

/** The flags `npm run audit:growth` and `npm run gate` share, declared for the parser and the help alike. */
export const auditFlags = {
  sizes: {
    type: 'string',
    arg: 'S,S',
    default: 'tiny,small',
    help: 'two or more dataset sizes, presets or dates-N, comma-separated; each seeded afresh',
  },
  allow: {
    type: 'string',
    arg: 'FILE',
    defaultText: 'loadtests/growth-allow.txt',
    help: 'allow-list: one statement per line, its fingerprint, a space, the reason it may grow',
  },
  visitors: {
    type: 'string',
    arg: 'N',
    default: String(DEFAULT_VISITORS),
    help: 'visitors played one after another at each size (10 to 100000)',
  },
  'max-exponent': {
    type: 'string',
    arg: 'X',
    default: String(DEFAULT_THRESHOLDS.maxExponent),
    help: 'a statement grows when the exponent of its work per call over the dates is above this',
  },
  'min-work-increase': {
    type: 'string',
    arg: 'N',
    default: String(DEFAULT_THRESHOLDS.minWorkIncrease),
    help: 'and its work per call (rows and blocks) rose by at least this much',
  },
} as const satisfies FlagDefs;

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
