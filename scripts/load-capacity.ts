#!/usr/bin/env tsx
// Capacity sweep: npm run load:capacity [-- --variants before,after --dates 1000,3000,10000,30000 --slo-p95-ms 1000 --quick]
// For each variant and series size, the highest arrival rate whose product-list p95 stays under the SLO.
import { runMain, parseCli, parseNumberFlag, parseIntFlag } from '../harness/cli/main.ts';
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

await runMain(async () => {
  const { values } = parseCli({
    variants: { type: 'string', default: 'before,after' },
    dates: { type: 'string' },
    'slo-p95-ms': { type: 'string', default: String(SLO.p95Ms) },
    'max-error-rate': { type: 'string', default: String(SLO.maxErrorRate) },
    'step-s': { type: 'string' },
    quick: { type: 'boolean', default: false },
    seed: { type: 'string' },
    out: { type: 'string' },
  });
  const quick = values.quick!;
  const { folder } = await runCapacitySweep({
    variants: parseVariants(values.variants!),
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
