#!/usr/bin/env tsx
// The incident day: npm run load:timeline [-- --preset incident --quick --out DIR --seed N --baseline-rate N --queue-rate N]
// Seeds (or reuses) the dataset, calibrates as load:incident does, then plays the post-mortem's periods (normal,
// tripled, access-cut, queue, shop-disabled, fixed) on one shop shared by the hot shop and the other tenants.
import { runCommand, parseNumberFlag, parseIntFlag } from '../harness/cli/main.ts';
import { defineCommand } from '../harness/cli/flags.ts';
import { presetFlag, quickFlag, runOutFlag, seedFlag } from '../harness/cli/common-flags.ts';
import { parseSeed, presetSpec } from '../datasets/presets.ts';
import { runTimeline } from '../harness/timeline/run.ts';
import { MAX_REPLICAS, platformFlags } from '../harness/timeline/replica-flags.ts';
import { DAY_UTILISATION } from '../harness/timeline/plan.ts';

export const command = defineCommand({
  npm: 'load:timeline',
  about: `Seeds (or reuses) the dataset and calibrates as load:incident does, then plays the post-mortem's periods
    on one shop shared by the hot shop and the other organizers' shops, on a primary and its streaming replicas
    (GET pages read from replica-1): normal, tripled (12:07), reroute (replica-1 restarted, reads to replica-2;
    time assumed), all-primary (reads to the primary; time assumed), access-cut
    (13:22), queue (13:44), shop-disabled (13:48), fixed (18:30), flipping the operators' switches on the same
    clock. Writes reports/<run-id>/ (summary.json loadlab.timeline/v1, report.md, report.html) and points
    reports/latest at it.`,
  flags: {
    preset: presetFlag('incident'),
    quick: { ...quickFlag, help: 'short periods: the whole day on tiny in about 1.5 minutes' },
    out: runOutFlag,
    seed: seedFlag,
    'baseline-rate': {
      type: 'string',
      arg: 'N',
      defaultText: `calibrated: ${Math.round(DAY_UTILISATION * 100)} % of what the old query serves`,
      help: "the hot shop's normal visitors per minute, and the other shops' (a number > 0)",
    },
    replicas: {
      type: 'string',
      arg: 'N',
      default: '2',
      help: `streaming replicas of the embedded primary the shop reads from (0 to ${MAX_REPLICAS}); 0: one server, and no reroute / all-primary moves`,
    },
    'replica-url': {
      type: 'string',
      arg: 'URL',
      multiple: true,
      defaultText: 'none',
      help: 'with DATABASE_URL: a streaming replica of that server, repeatable (replica-1, replica-2, ... in order); the shop reads its pages there, so its role needs the rights of the role in DATABASE_URL',
    },
    'queue-rate': {
      type: 'string',
      arg: 'N',
      defaultText: `what the old query serves at full load (baseline / ${DAY_UTILISATION})`,
      help: "the waiting room's new visitors per minute per organizer (a whole number >= 1)",
    },
  },
  examples: ['--preset tiny --quick', '--preset small --baseline-rate 60 --queue-rate 120'],
  exitCodes: { 0: 'the day was played and its report is written (the shape checks are in the report)' },
});

await runCommand(import.meta.url, command, async ({ values }) => {
  // every flag is checked before anything starts
  const say = (line: string) => console.log(line);
  const { summary, folder } = await runTimeline({
    spec: presetSpec(values.preset),
    seed: parseSeed(values.seed),
    quick: values.quick,
    out: values.out,
    baselineRate: parseNumberFlag(
      'baseline-rate',
      values['baseline-rate'],
      (n) => n > 0 && n <= 1_000_000,
      'visitors per minute, a number > 0',
    ),
    queueRate: parseIntFlag('queue-rate', values['queue-rate'], 1, 1_000_000),
    ...platformFlags(
      parseIntFlag('replicas', values.replicas, 0, MAX_REPLICAS)!,
      values['replica-url'] ?? [],
      process.argv.some((a) => a === '--replicas' || a.startsWith('--replicas=')),
    ),
    say,
  });
  for (const p of summary.periods) {
    const g = (t: 'hot' | 'others') =>
      `${t} p95 ${p[t].p95_ms ?? 'n/a'} ms, ${p[t].failed_rate === null ? 'n/a' : `${(p[t].failed_rate * 100).toFixed(1)} %`} failed`;
    say(
      `${p.clock.padEnd(11)} ${p.name.padEnd(13)} ${g('hot')}${p.hot.queue_pages ? ` (+${p.hot.queue_pages} queue pages)` : ''}; ${g('others')}`,
    );
  }
  for (const c of summary.shape) say(`${c.ok ? 'holds' : 'DOES NOT hold'}: ${c.name}: ${c.detail}`);
  say(`report: ${folder.file('report.md')} ${folder.latestNote}`);
});
