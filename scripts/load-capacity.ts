#!/usr/bin/env tsx
// Capacity sweep: npm run load:capacity [-- --variants before,after --dates 1000,3000,10000,30000 --repeats 3 --quick]
// For each variant and series size, the highest arrival rate whose product-list p95 stays under the SLO.
import { runCommand } from '../harness/cli/main.ts';
import { defineCommand } from '../harness/cli/flags.ts';
import { runCapacitySweep } from '../harness/capacity/run.ts';
import { sweepFlags, sweepOptions } from '../harness/capacity/flags.ts';

export const command = defineCommand({
  npm: 'load:capacity',
  about: `For each variant and series size, steps the arrival rate up until the product-list p95 passes the SLO
    or errors reach the error rate, and reports the highest rate that met both, searched --repeats times to
    --precision (median and range), with what limited it. Writes capacity.json, capacity.md and capacity.html
    under reports/capacity/<run-id>/.`,
  flags: sweepFlags,
  examples: ['--quick --variants after', '--dates 1000,3000 --slo-p95-ms 500', '--repeats 5 --precision 0.03'],
  exitCodes: { 0: 'the sweep finished and its report is written' },
});

await runCommand(import.meta.url, command, async ({ values }) => {
  const { folder } = await runCapacitySweep(sweepOptions(values, (line) => console.log(line)));
  console.log(`written: ${folder.file('capacity.md')} ${folder.latestNote}`);
});
