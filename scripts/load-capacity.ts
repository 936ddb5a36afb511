#!/usr/bin/env tsx
// Capacity sweep: npm run load:capacity [-- --variants before,after --dates 1000,3000,10000,30000 --slo-p95-ms 1000 --quick]
// For each variant and series size, the highest arrival rate whose product-list p95 stays under the SLO.
import { runCommand, parseNumberFlag, parseIntFlag } from '../harness/cli/main.ts';
import { defineCommand } from '../harness/cli/flags.ts';
import { quickFlag, seedFlag, variantsFlag } from '../harness/cli/common-flags.ts';
import { UserError } from '../common/user-error.ts';
import { parseVariants } from '../harness/cli/variants.ts';
import { parseSeed } from '../datasets/presets.ts';
import { SLO } from '../harness/load/incident-script.ts';
import { runCapacitySweep } from '../harness/capacity/run.ts';

function parseDates(raw: string): number[] {
  const parts = raw.split(',').map((s) => s.trim());
  if (raw.trim() === '' || parts.some((p) => !/^\d+$/.test(p) || Number(p) < 1 || Number(p) > 1_000_000)) {
    throw new UserError(
      `--dates '${raw}' is not a list of date counts (accepted: comma-separated whole numbers from 1 to 1000000, e.g. 1000,3000,10000,30000)`,
    );
  }
  return [...new Set(parts.map(Number))].sort((a, b) => a - b);
}

export const command = defineCommand({
  npm: 'load:capacity',
  about: `For each variant and series size, steps the arrival rate up until the product-list p95 passes the SLO
    or errors reach the error rate, and reports the highest rate that met both. Writes capacity.json, capacity.md
    and capacity.html under reports/capacity/<run-id>/.`,
  flags: {
    variants: variantsFlag('before,after'),
    dates: {
      type: 'string',
      arg: 'N,N',
      defaultText: '1000,3000,10000,30000; 1000,3000 with --quick',
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
    quick: { ...quickFlag, help: 'short steps and two sizes, for a first look' },
    seed: seedFlag,
    out: {
      type: 'string',
      arg: 'DIR',
      defaultText: 'reports/capacity/<run-id>/',
      help: 'folder to write the sweep to',
    },
  },
  examples: ['--quick --variants after', '--dates 1000,3000 --slo-p95-ms 500'],
  exitCodes: { 0: 'the sweep finished and its report is written' },
});

await runCommand(import.meta.url, command, async ({ values }) => {
  const quick = values.quick;
  const { folder } = await runCapacitySweep({
    variants: parseVariants(values.variants),
    dates: parseDates(values.dates ?? (quick ? '1000,3000' : '1000,3000,10000,30000')),
    sloMs: parseNumberFlag('slo-p95-ms', values['slo-p95-ms'], (n) => n > 0, 'milliseconds, a number > 0')!,
    maxErrorRate: parseNumberFlag(
      'max-error-rate',
      values['max-error-rate'],
      (n) => n > 0 && n <= 1,
      'a fraction above 0 and at most 1',
    )!,
    stepS: parseIntFlag('step-s', values['step-s'], 3, 600) ?? (quick ? 5 : 15),
    quick,
    seed: parseSeed(values.seed),
    out: values.out,
    say: (line) => console.log(line),
  });
  console.log(`written: ${folder.file('capacity.md')} ${folder.latestNote}`);
});
