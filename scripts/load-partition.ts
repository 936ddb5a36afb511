#!/usr/bin/env tsx
// The 06-27 partial network partition: npm run load:partition [-- --variants before,after --quick --out DIR]
// Web workers behind HAProxy, task workers on a Redis queue, every worker's links through fault links; steady
// visitors, then the partition (1 task worker in 4 reaches Redis only, half the web workers reach nothing),
// then recovery; afterwards the database is checked for lost or duplicated cart positions and orders.
import { runMain, parseCli, parseIntFlag } from '../harness/cli/main.ts';
import { parseVariants } from '../harness/cli/variants.ts';
import { parseSeed, presetSpec } from '../datasets/presets.ts';
import { defaultCounts, DEFAULT_RATE, partitionPhases, runPartition } from '../harness/partition/run.ts';
import { parsePhaseSeconds } from '../harness/partition/flags.ts';

await runMain(async () => {
  const { values } = parseCli({
    variants: { type: 'string', default: 'before,after' },
    quick: { type: 'boolean', default: false },
    preset: { type: 'string' },
    seed: { type: 'string' },
    rate: { type: 'string' },
    'web-workers': { type: 'string' },
    'task-workers': { type: 'string' },
    'phase-seconds': { type: 'string' },
    out: { type: 'string' },
  });
  // every flag is checked before anything starts
  const quick = values.quick!;
  const counts = defaultCounts(quick);
  const say = (line: string) => console.log(line);
  const { summary, folder } = await runPartition({
    spec: presetSpec(values.preset ?? (quick ? 'tiny' : 'small')),
    seed: parseSeed(values.seed),
    variants: parseVariants(values.variants!),
    rate: parseIntFlag('rate', values.rate, 1, 100_000) ?? DEFAULT_RATE,
    counts: {
      webWorkers: parseIntFlag('web-workers', values['web-workers'], 2, 32) ?? counts.webWorkers,
      taskWorkers: parseIntFlag('task-workers', values['task-workers'], 2, 64) ?? counts.taskWorkers,
      taskConcurrency: counts.taskConcurrency,
    },
    phases: values['phase-seconds'] === undefined ? partitionPhases(quick) : parsePhaseSeconds(values['phase-seconds']),
    quick,
    out: values.out,
    say,
  });
  say(`report: ${folder.file('report.md')} ${folder.latestNote}`);
  return Object.values(summary.variants).some((v) => v.lost_or_duplicated > 0) ? 99 : 0;
});
