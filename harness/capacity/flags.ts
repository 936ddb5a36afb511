import { UserError } from '../../common/user-error.ts';
import { parseSeed } from '../../datasets/presets.ts';
import { quickFlag, seedFlag, variantsFlag } from '../cli/common-flags.ts';
import type { FlagValues } from '../cli/flags.ts';
import { parseIntFlag, parseNumberFlag } from '../cli/main.ts';
import { parseVariants } from '../cli/variants.ts';
import { SLO } from '../load/incident-script.ts';
import type { CapacityOptions } from './run.ts';

export const DEFAULT_DATES = '1000,3000,10000,30000';
export const QUICK_DATES = '1000,3000';

export function parseDates(raw: string): number[] {
  const parts = raw.split(',').map((s) => s.trim());
  if (raw.trim() === '' || parts.some((p) => !/^\d+$/.test(p) || Number(p) < 1 || Number(p) > 1_000_000)) {
    throw new UserError(
      `--dates '${raw}' is not a list of date counts (accepted: comma-separated whole numbers from 1 to 1000000, e.g. 1000,3000,10000,30000)`,
    );
  }
  return [...new Set(parts.map(Number))].sort((a, b) => a - b);
}

/** The sweep's flags, which `load:capacity` and `capacity:review` (when it runs the sweep) share. */
export const sweepFlags = {
  variants: variantsFlag('before,after'),
  dates: {
    type: 'string',
    arg: 'N,N',
    defaultText: `${DEFAULT_DATES}; ${QUICK_DATES} with --quick`,
    help: 'series sizes (dates in the hot series), comma-separated whole numbers from 1 to 1000000',
  },
  'slo-p95-ms': {
    type: 'string',
    arg: 'MS',
    default: String(SLO.p95Ms),
    help: 'the SLO: product-list p95 in milliseconds',
  },
  'max-error-rate': {
    type: 'string',
    arg: 'F',
    default: String(SLO.maxErrorRate),
    help: 'the most failed requests a rate may have, a fraction above 0 and at most 1',
  },
  'step-s': {
    type: 'string',
    arg: 'S',
    defaultText: '15; 5 with --quick',
    help: 'seconds each rate is held (3 to 600)',
  },
  repeats: {
    type: 'string',
    arg: 'N',
    defaultText: '3; 1 with --quick',
    help: 'searches per variant and size (1 to 20); the median and the range are reported',
  },
  precision: {
    type: 'string',
    arg: 'F',
    defaultText: '0.05; 0.25 with --quick',
    help: 'search until the first failing rate is within this share above the capacity (0.01 to 0.5)',
  },
  quick: { ...quickFlag, help: 'short steps, two sizes and one search per point, for a first look' },
  seed: seedFlag,
  out: {
    type: 'string',
    arg: 'DIR',
    defaultText: 'reports/capacity/<run-id>/',
    help: 'folder to write the sweep to',
  },
} as const;

/** The sweep's options from its flags; a bad value is one line naming it and what is accepted. */
export function sweepOptions(values: FlagValues<typeof sweepFlags>, say: (line: string) => void): CapacityOptions {
  const quick = values.quick;
  return {
    variants: parseVariants(values.variants),
    dates: parseDates(values.dates ?? (quick ? QUICK_DATES : DEFAULT_DATES)),
    sloMs: parseNumberFlag('slo-p95-ms', values['slo-p95-ms'], (n) => n > 0, 'milliseconds, a number > 0')!,
    maxErrorRate: parseNumberFlag(
      'max-error-rate',
      values['max-error-rate'],
      (n) => n > 0 && n <= 1,
      'a fraction above 0 and at most 1',
    )!,
    stepS: parseIntFlag('step-s', values['step-s'], 3, 600) ?? (quick ? 5 : 15),
    // a first look measures each point once: three searches of two variants at two sizes took 10 minutes
    repeats: parseIntFlag('repeats', values.repeats, 1, 20) ?? (quick ? 1 : 3),
    precision:
      parseNumberFlag('precision', values.precision, (n) => n >= 0.01 && n <= 0.5, 'a fraction from 0.01 to 0.5') ??
      (quick ? 0.25 : 0.05),
    quick,
    seed: parseSeed(values.seed),
    out: values.out,
    say,
  };
}
