#!/usr/bin/env tsx
// The main job: npm run load:incident [-- --preset incident --variants before,after --quick --baseline-rate N --multiplier 3 --seed N --out DIR]
// Seeds (or reuses) the dataset, calibrates the baseline rate on `before`, replays baseline -> ramp -> 3x
// visitors against each variant with DB I/O sampled, then writes the run folder and its report.
import { runCommand, parseIntFlag, parseNumberFlag } from '../harness/cli/main.ts';
import { defineCommand } from '../harness/cli/flags.ts';
import { presetFlag, runOutFlag, seedFlag, variantsFlag } from '../harness/cli/common-flags.ts';
import { parseVariants } from '../harness/cli/variants.ts';
import { parseSeed, presetSpec } from '../datasets/presets.ts';
import { runIncident } from '../harness/incident/run.ts';
import { TARGET_UTILISATION } from '../harness/load/calibrate.ts';
import { fmtPct } from '../harness/cli/format.ts';

const target = fmtPct(TARGET_UTILISATION);

export const command = defineCommand({
  npm: 'load:incident',
  about: `Seeds the dataset (or reuses one already seeded with the same preset and seed), calibrates the baseline
    rate R so that 'before' runs at ${target} of what a probe finds it can serve (3R is then the post-mortem's overload), then replays R visitors/min, a ramp and the
    multiplied rate against each variant while sampling the database's I/O. Writes reports/<run-id>/ (summary.json,
    report.md, report.html) and points reports/latest at it. DATABASE_URL (environment or .env) selects a server
    of your own; otherwise an embedded PostgreSQL is started and stopped.`,
  flags: {
    preset: presetFlag('incident'),
    variants: variantsFlag(),
    quick: { type: 'boolean', help: 'short phases: the whole run on tiny within about 2 minutes' },
    'baseline-rate': {
      type: 'string',
      arg: 'N',
      defaultText: `calibrated: ${target} of what 'before' serves`,
      help: 'baseline visitors per minute (a number > 0)',
    },
    multiplier: { type: 'string', arg: 'N', default: '3', help: 'the peak as a multiple of the baseline (1 to 100)' },
    pool: {
      type: 'string',
      arg: 'N',
      defaultText: 'one per core',
      help: "the shop's database connections (1 to 500); more than the cores only make each query share one",
    },
    seed: seedFlag,
    out: runOutFlag,
  },
  examples: ['--preset tiny --quick', '--variants after --baseline-rate 60 --out /tmp/incident-run'],
  exitCodes: { 0: 'the run finished and its report is written' },
});

await runCommand(import.meta.url, command, async ({ values }) => {
  // every flag is checked before anything starts
  const say = (line: string) => console.log(line);
  const { summary, folder } = await runIncident({
    spec: presetSpec(values.preset),
    variants: parseVariants(values.variants),
    seed: parseSeed(values.seed),
    baselineRate: parseNumberFlag(
      'baseline-rate',
      values['baseline-rate'],
      (n) => n > 0 && n <= 1_000_000,
      'visitors per minute, a number > 0',
    ),
    multiplier: parseNumberFlag('multiplier', values.multiplier, (n) => n >= 1 && n <= 100, 'a number from 1 to 100')!,
    poolSize: parseIntFlag('pool', values.pool, 1, 500),
    quick: values.quick,
    out: values.out,
    say,
  });
  say(`report: ${folder.file('report.md')} ${folder.latestNote}`);
  if (summary.comparison.tripled_p95_ratio !== null)
    say(`tripled product-list p95, before / after: ${summary.comparison.tripled_p95_ratio}x`);
  // the last line: did this run show what the post-mortem saw? (the exit status is 0 either way)
  const shape = summary.comparison.shape_reproduced;
  if (shape !== null && shape !== undefined)
    say(
      `${shape ? "the post-mortem's shape reproduced" : "the post-mortem's shape"}: ${summary.comparison.shape_reason}`,
    );
});
