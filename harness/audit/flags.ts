import path from 'node:path';
import { parseIntFlag, parseNumberFlag } from '../cli/main.ts';
import type { FlagDefs } from '../cli/flags.ts';
import { projectRoot } from '../files/paths.ts';
import { DEFAULT_SEED, type DatasetSpec } from '../../datasets/presets.ts';
import { UserError } from '../../common/user-error.ts';
import { readAllowList, type AllowList } from './allow-list.ts';
import { readBaseline, type BaselineSource } from './baseline.ts';
import { DEFAULT_THRESHOLDS, type GrowthThresholds } from './report-types.ts';
import { parseSizes } from './sizes.ts';

/** The journey's own allow-list, in the project beside the k6 script it belongs to. */
export const DEFAULT_ALLOW_FILE = path.join(projectRoot, 'loadtests', 'growth-allow.txt');

/** What main's journey did, committed beside the script: every audit and gate compares with it. */
export const DEFAULT_BASELINE_FILE = path.join(projectRoot, 'loadtests', 'growth-baseline.json');

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
  baseline: {
    type: 'string',
    arg: 'FILE',
    defaultText: 'loadtests/growth-baseline.json',
    help: "what main's journey did: each statement's work per call and calls per visitor are compared with it",
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
  'max-regression': {
    type: 'string',
    arg: 'PCT',
    default: String(DEFAULT_THRESHOLDS.maxRegression * 100),
    help: "regressed: work per call or calls per visitor rose by more than this many percent over the baseline's",
  },
  'min-new-work': {
    type: 'string',
    arg: 'N',
    default: String(DEFAULT_THRESHOLDS.minNewWork),
    help: 'new: a statement the baseline lacks with at least this much work per visitor',
  },
} as const satisfies FlagDefs;

export interface AuditSettings {
  sizes: DatasetSpec[];
  allow: AllowList;
  baseline: BaselineSource;
  visitors: number;
  thresholds: GrowthThresholds;
}

type Values = { [K in keyof typeof auditFlags]?: string };

function thresholds(values: Values): GrowthThresholds {
  const d = DEFAULT_THRESHOLDS;
  const regressionPct = parseNumberFlag(
    'max-regression',
    values['max-regression'],
    (n) => n >= 0 && n <= 1000,
    'a percentage from 0 to 1000, e.g. 25',
  );
  return {
    maxExponent:
      parseNumberFlag('max-exponent', values['max-exponent'], (n) => n > 0 && n < 5, 'a number above 0, e.g. 0.5') ??
      d.maxExponent,
    minWorkIncrease:
      parseNumberFlag(
        'min-work-increase',
        values['min-work-increase'],
        (n) => n >= 0,
        'a number >= 0 (rows and blocks per call)',
      ) ?? d.minWorkIncrease,
    maxRegression: regressionPct === undefined ? d.maxRegression : regressionPct / 100,
    minNewWork:
      parseNumberFlag(
        'min-new-work',
        values['min-new-work'],
        (n) => n >= 0,
        'a number >= 0 (rows and blocks per visitor)',
      ) ?? d.minNewWork,
  };
}

/** Validates the shared flags, each mistake one line naming the flag and what it accepts. */
export function auditSettings(values: Values): AuditSettings {
  const t = thresholds(values);
  return {
    sizes: parseSizes(values.sizes ?? 'tiny,small'),
    allow: readAllowList(path.resolve(values.allow ?? DEFAULT_ALLOW_FILE)),
    baseline: readBaseline(path.resolve(values.baseline ?? DEFAULT_BASELINE_FILE), values.baseline !== undefined),
    visitors: parseIntFlag('visitors', values.visitors, 10, 100_000) ?? DEFAULT_VISITORS,
    thresholds: t,
  };
}

/** What `npm run gate` audits by default: the committed baseline must be recorded with exactly this. */
export const GATE_DEFAULTS = { variant: 'after', sizes: 'tiny,small', visitors: DEFAULT_VISITORS, seed: DEFAULT_SEED };

/**
 * `--update-baseline` on the committed baseline: only with the gate's variant, sizes, visitors and seed, or
 * the gate would find a baseline it cannot compare with and check nothing. `--baseline FILE` writes any.
 */
export function requireGateSettings(s: {
  sizes: DatasetSpec[];
  visitors: number;
  variant: string;
  seed: number;
  explicitFile: boolean;
}): void {
  if (s.explicitFile) return;
  const got = { variant: s.variant, sizes: s.sizes.map((z) => z.name).join(','), visitors: s.visitors, seed: s.seed };
  const off = (Object.keys(GATE_DEFAULTS) as (keyof typeof GATE_DEFAULTS)[]).filter((k) => got[k] !== GATE_DEFAULTS[k]);
  if (off.length)
    throw new UserError(
      `--update-baseline writes the gate's baseline, recorded with the gate's settings: ${off.map((k) => `--${k} ${got[k]} (the gate uses ${GATE_DEFAULTS[k]})`).join(', ')}; pass --baseline FILE to record another`,
    );
}
