import { UserError } from '../../common/user-error.ts';
import { presetSpec, type DatasetSpec } from '../../datasets/presets.ts';

/** `--sizes tiny,small,dates-10000`: two or more dataset sizes, fewest dates first, each once. */
export function parseSizes(raw: string, flag = '--sizes'): DatasetSpec[] {
  const names = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (names.length < 2)
    throw new UserError(
      `${flag} '${raw}' names ${names.length === 0 ? 'no size' : 'one size'}: growth needs two or more (e.g. tiny,small)`,
    );
  const specs = names.map((n) => {
    try {
      return presetSpec(n);
    } catch (err) {
      throw new UserError(`${flag}: ${(err as Error).message}`);
    }
  });
  for (let i = 1; i < specs.length; i++) {
    if (specs[i].dates <= specs[i - 1].dates) {
      throw new UserError(
        `${flag} '${raw}': ${specs[i].name} (${specs[i].dates} dates) must have more dates than ${specs[i - 1].name} (${specs[i - 1].dates}): list the sizes fewest dates first`,
      );
    }
  }
  return specs;
}
