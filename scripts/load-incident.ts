#!/usr/bin/env tsx
// The main job: npm run load:incident [-- --preset incident --variants before,after --quick --baseline-rate N --multiplier 3 --seed N --out DIR]
// Seeds (or reuses) the dataset, calibrates the baseline rate on `before`, replays baseline -> ramp -> 3x
// visitors against each variant with DB I/O sampled, then writes the run folder and its report.
import { runMain, parseCli, parseNumberFlag } from '../harness/cli/main.ts';
import { parseVariants } from '../harness/cli/variants.ts';
import { parseSeed, presetSpec } from '../datasets/presets.ts';
import { runIncident } from '../harness/incident/run.ts';

await runMain(async () => {
  const { values } = parseCli({
    preset: { type: 'string', default: 'incident' },
    variants: { type: 'string', default: 'before,after' },
    quick: { type: 'boolean', default: false },
    'baseline-rate': { type: 'string' },
    multiplier: { type: 'string', default: '3' },
    seed: { type: 'string' },
    out: { type: 'string' },
  });
  // every flag is checked before anything starts
  const say = (line: string) => console.log(line);
  const { summary, folder } = await runIncident({
    spec: presetSpec(values.preset!),
    variants: parseVariants(values.variants!),
    seed: parseSeed(values.seed),
    baselineRate: parseNumberFlag(
      'baseline-rate',
      values['baseline-rate'],
      (n) => n > 0 && n <= 1_000_000,
      'visitors per minute, a number > 0',
    ),
    multiplier: parseNumberFlag('multiplier', values.multiplier, (n) => n >= 1 && n <= 100, 'a number from 1 to 100')!,
    quick: values.quick!,
    out: values.out,
    say,
  });
  say(`report: ${folder.file('report.md')} ${folder.latestNote}`);
  if (summary.comparison.tripled_p95_ratio !== null)
    say(`tripled product-list p95, before / after: ${summary.comparison.tripled_p95_ratio}x`);
});
