#!/usr/bin/env tsx
// The 06-27 partial network partition: npm run load:partition [-- --variants before,after --quick --out DIR]
// Web workers behind HAProxy, task workers on a Redis queue, every worker's links through fault links; steady
// visitors, then the partition (1 task worker in 4 reaches Redis only, half the web workers reach nothing),
// then recovery; afterwards the database is checked for lost or duplicated cart positions and orders.
import { runCommand, parseIntFlag } from '../harness/cli/main.ts';
import { defineCommand } from '../harness/cli/flags.ts';
import { presetFlagChosen, quickFlag, runOutFlag, seedFlag, variantsFlag } from '../harness/cli/common-flags.ts';
import { parseVariants } from '../harness/cli/variants.ts';
import { parseSeed, presetSpec } from '../datasets/presets.ts';
import { defaultCounts, DEFAULT_RATE, partitionPhases, runPartition } from '../harness/partition/run.ts';
import { parsePhaseSeconds } from '../harness/partition/flags.ts';

const full = defaultCounts(false);
const quickCounts = defaultCounts(true);
const phaseText = (quick: boolean) => Object.values(partitionPhases(quick)).join(',');

export const command = defineCommand({
  npm: 'load:partition',
  about: `Web workers behind HAProxy, task workers on a Redis queue (BullMQ), every worker's links through fault
    links; steady visitors, then the partition (1 task worker in 4 reaches Redis only, half the web workers reach
    nothing), then recovery; afterwards the database is checked for lost or doubled cart positions and orders.
    Needs redis-server (or REDIS_URL) and haproxy on PATH. Writes reports/<run-id>/ (summary.json
    loadlab.partition/v1, report.md, report.html).`,
  flags: {
    variants: variantsFlag('before,after'),
    quick: { ...quickFlag, help: 'short phases on tiny with fewer workers' },
    preset: presetFlagChosen('small; tiny with --quick'),
    seed: seedFlag,
    rate: {
      type: 'string',
      arg: 'N',
      default: String(DEFAULT_RATE),
      help: 'visitors per minute, steady through all phases (1 to 100000)',
    },
    'web-workers': {
      type: 'string',
      arg: 'N',
      defaultText: `${full.webWorkers}; ${quickCounts.webWorkers} with --quick`,
      help: 'web workers behind HAProxy (2 to 32)',
    },
    'task-workers': {
      type: 'string',
      arg: 'N',
      defaultText: `${full.taskWorkers}; ${quickCounts.taskWorkers} with --quick`,
      help: 'task workers on the Redis queue (2 to 64)',
    },
    'phase-seconds': {
      type: 'string',
      arg: 'B,P,R',
      defaultText: `${phaseText(false)}; ${phaseText(true)} with --quick`,
      help: 'seconds of baseline, partition and recovery, each 3 to 3600',
    },
    out: runOutFlag,
  },
  examples: ['--quick --variants after', '--variants before --phase-seconds 30,60,30 --rate 120'],
  exitCodes: {
    0: 'no cart position or order was lost or doubled',
    99: 'the database check found lost or doubled cart positions or orders',
  },
});

await runCommand(import.meta.url, command, async ({ values }) => {
  // every flag is checked before anything starts
  const quick = values.quick;
  const counts = defaultCounts(quick);
  const say = (line: string) => console.log(line);
  const { summary, folder } = await runPartition({
    spec: presetSpec(values.preset ?? (quick ? 'tiny' : 'small')),
    seed: parseSeed(values.seed),
    variants: parseVariants(values.variants),
    rate: parseIntFlag('rate', values.rate, 1, 100_000)!,
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
