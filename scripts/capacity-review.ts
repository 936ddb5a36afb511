#!/usr/bin/env tsx
// Capacity review: npm run capacity:review [-- --traffic VISITORS_PER_MIN] [--from DIR]
// One page a team can sign: traffic against each variant's capacity curve, the limits, a validated projection.
import path from 'node:path';
import { UserError } from '../common/user-error.ts';
import { defineCommand } from '../harness/cli/flags.ts';
import { parseNumberFlag, runCommand } from '../harness/cli/main.ts';
import { sweepFlags, sweepOptions } from '../harness/capacity/flags.ts';
import { runReview } from '../harness/capacity/review-run.ts';

export const command = defineCommand({
  npm: 'capacity:review',
  about: `Writes review.md and review.html: today's traffic and three times it against each variant's capacity
    curve, the headroom, the number of dates at which the SLO breaks, what limited each point, and the projection's
    error on a size held out of its fit. Reads a finished load:capacity run (--from), or runs the sweep first
    with the sweep's flags.`,
  flags: {
    traffic: {
      type: 'string',
      arg: 'VISITORS_PER_MIN',
      defaultText: "40 % of the old query's capacity at the largest size (the review's rule)",
      help: "today's traffic in visitors per minute, a number > 0",
    },
    from: {
      type: 'string',
      arg: 'DIR',
      defaultText: 'none: run the sweep first',
      help: 'a finished load:capacity run folder: review its capacity.json instead of running the sweep',
    },
    ...sweepFlags,
  },
  examples: ['--from reports/capacity/latest --traffic 900', '--quick', '--dates 1000,3000,10000,30000 --repeats 3'],
  exitCodes: { 0: 'the review is written' },
});

const SWEEP_ONLY = Object.keys(sweepFlags).map((f) => `--${f}`);

await runCommand(import.meta.url, command, async ({ values }) => {
  const traffic = parseNumberFlag(
    'traffic',
    values.traffic,
    (n) => n > 0 && n < 1e9,
    'visitors per minute, a number > 0',
  );
  if (values.from !== undefined) {
    const clash = process.argv.slice(2).find((a) => SWEEP_ONLY.includes(a.split('=')[0]));
    if (clash)
      throw new UserError(`${clash.split('=')[0]} runs a sweep, --from reviews one already run: give one or the other`);
  }
  const say = (line: string) => console.log(line);
  const r = await runReview({ from: values.from, traffic, sweep: () => sweepOptions(values, say), say });
  console.log(
    `today's traffic: ${r.traffic ? `${r.traffic.visitors_per_min} visitors/min` : 'unknown (give --traffic)'}; written: ${path.join(r.dir, 'review.md')} ${r.note}`.trim(),
  );
});
