import { UserError } from '../common/user-error.ts';

/** How big a dataset is. The hot series' date count is the contract; the rest gives it realistic company. */
export interface DatasetSpec {
  /** preset name, or `dates-N` for a custom size (capacity sweeps) */
  name: string;
  /** dates (subevents) in the hot event series citymuseum/timeslots */
  dates: number;
  /** background events of other organizers, each with its own products and quotas */
  backgroundEvents: number;
  /** organizers the background events are spread over */
  backgroundOrganizers: number;
}

export const presets = {
  // tiny keeps small's background, so the two differ in dates alone: the CI gate compares them, and with fewer
  // background rows the planner reads one-page tables directly instead of through indexes, which shifts buffers
  tiny: { name: 'tiny', dates: 300, backgroundEvents: 60, backgroundOrganizers: 6 },
  small: { name: 'small', dates: 3_000, backgroundEvents: 60, backgroundOrganizers: 6 },
  incident: { name: 'incident', dates: 30_000, backgroundEvents: 500, backgroundOrganizers: 25 },
  xl: { name: 'xl', dates: 100_000, backgroundEvents: 800, backgroundOrganizers: 40 },
} as const satisfies Record<string, DatasetSpec>;

export type PresetName = keyof typeof presets;
export const presetNames = Object.keys(presets) as PresetName[];

export const DEFAULT_SEED = 42;

export function isPresetName(value: string): value is PresetName {
  return Object.hasOwn(presets, value);
}

/**
 * A preset by name; `dates-N` and `PRESET-N` name the custom sizes of capacity sweeps (`incident-1000`: the
 * incident preset's background with a series of 1,000 dates), so every command can open them.
 */
export function presetSpec(name: string): DatasetSpec {
  const custom = /^dates-(\d{1,7})$/.exec(name);
  if (custom) return datesSpec(Number(custom[1]));
  const sized = /^([a-z]+)-(\d{1,7})$/.exec(name);
  if (sized && isPresetName(sized[1])) return seriesSpec(Number(sized[2]), sized[1]);
  if (!isPresetName(name))
    throw new UserError(
      `unknown preset '${name}' (accepted: ${presetNames.join(', ')}, dates-N for a series of N dates, or PRESET-N for N dates with PRESET's background)`,
    );
  return presets[name];
}

function checkDates(dates: number): void {
  if (!Number.isInteger(dates) || dates < 1 || dates > 1_000_000) {
    throw new UserError(`date count '${dates}' is not valid (accepted: a whole number from 1 to 1000000)`);
  }
}

/** the preset whose background a series of this many dates gets: the one of that size, else the nearest below */
export function backgroundPresetFor(dates: number): PresetName {
  checkDates(dates);
  const exact = presetNames.find((n) => presets[n].dates === dates);
  return exact ?? [...presetNames].reverse().find((n) => presets[n].dates <= dates) ?? 'tiny';
}

/** A custom size between the presets: background scaled like the nearest preset below it. */
export function datesSpec(dates: number): DatasetSpec {
  const preset = backgroundPresetFor(dates);
  if (presets[preset].dates === dates) return presets[preset];
  return { ...presets[preset], name: `dates-${dates}`, dates };
}

/**
 * A series of this many dates in the company of one preset's background. A sweep over sizes takes one
 * background for all of them, so its sizes differ in dates alone: with another background the planner has
 * other statistics and may choose another plan (at 30,000 dates the incident preset's 500 background events made
 * the old query sort what it hashed with 60), and a curve through the smaller sizes would then project a shop
 * that is not the one measured at the largest.
 */
export function seriesSpec(dates: number, background: PresetName): DatasetSpec {
  checkDates(dates);
  const preset = presets[background];
  if (preset.dates === dates) return preset;
  return { ...preset, name: `${background}-${dates}`, dates };
}

export function parseSeed(value: string | undefined): number {
  if (value === undefined) return DEFAULT_SEED;
  if (!/^\d{1,9}$/.test(value.trim()))
    throw new UserError(`--seed '${value}' is not valid (accepted: a whole number from 0 to 999999999)`);
  return Number(value);
}
