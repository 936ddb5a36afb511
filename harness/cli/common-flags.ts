// Flags several commands share, declared once so their meaning and default read the same in every help.
import { DEFAULT_SEED, presets } from '../../datasets/presets.ts';
import { variants } from '../../shop/queries/product-list.ts';
import type { BooleanFlag, StringFlag } from './flags.ts';

const presetList = Object.values(presets)
  .map((p) => `${p.name} (${p.dates.toLocaleString('en-US')} dates)`)
  .join(', ');

const presetHelp = `dataset: ${presetList}, dates-N (N dates), or PRESET-N (N dates with PRESET's other organizers, as a capacity sweep seeds them)`;

export function presetFlag(dflt: string) {
  return { type: 'string', arg: 'P', default: dflt, help: presetHelp } as const satisfies StringFlag;
}

/** --preset whose default depends on other flags, said in words. */
export function presetFlagChosen(defaultText: string) {
  return { type: 'string', arg: 'P', defaultText, help: presetHelp } as const satisfies StringFlag;
}

export const seedFlag = {
  type: 'string',
  arg: 'N',
  default: String(DEFAULT_SEED),
  help: 'dataset seed (a whole number; the same seed seeds the same rows)',
} as const satisfies StringFlag;

const variantMeaning = 'before (the incident query) or after (the fix, pretix PR #6318)';

export function variantsFlag(dflt: string = variants.join(',')) {
  return {
    type: 'string',
    arg: 'V,V',
    default: dflt,
    help: `product-list variants, comma-separated, played in this order: ${variantMeaning}`,
  } as const satisfies StringFlag;
}

export function variantFlag(dflt: string) {
  return {
    type: 'string',
    arg: 'V',
    default: dflt,
    help: `product-list variant: ${variantMeaning}`,
  } as const satisfies StringFlag;
}

export const quickFlag = {
  type: 'boolean',
  help: 'short phases, for a first look or a test (minutes instead of the full run)',
} as const satisfies BooleanFlag;

/** --out of the commands that write a run folder (RunFolder): outside reports/ it leaves reports/latest alone. */
export const runOutFlag = {
  type: 'string',
  arg: 'DIR',
  defaultText: 'reports/<run-id>/',
  help: 'run folder to write; outside reports/ it leaves reports/latest as it was',
} as const satisfies StringFlag;
