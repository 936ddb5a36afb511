#!/usr/bin/env tsx
// The incident day: npm run load:timeline [-- --preset incident --quick --out DIR --seed N --baseline-rate N --queue-rate N]
// Seeds (or reuses) the dataset, calibrates as load:incident does, then plays the post-mortem's periods (normal,
// tripled, access-cut, queue, shop-disabled, fixed) on one shop shared by the hot shop and the other tenants.
import { runMain, parseCli, parseNumberFlag, parseIntFlag } from '../harness/cli/main.ts';
import { parseSeed, presetSpec } from '../datasets/presets.ts';
import { runTimeline } from '../harness/timeline/run.ts';

await runMain(async () => {
  const { values } = parseCli({
    preset: { type: 'string', default: 'incident' },
    quick: { type: 'boolean', default: false },
    out: { type: 'string' },
    seed: { type: 'string' },
    'baseline-rate': { type: 'string' },
    'queue-rate': { type: 'string' },
  });
  // every flag is checked before anything starts
  const say = (line: string) => console.log(line);
  const { summary, folder } = await runTimeline({
    spec: presetSpec(values.preset!),
    seed: parseSeed(values.seed),
    quick: values.quick!,
    out: values.out,
    baselineRate: parseNumberFlag(
      'baseline-rate',
      values['baseline-rate'],
      (n) => n > 0 && n <= 1_000_000,
      'visitors per minute, a number > 0',
    ),
    queueRate: parseIntFlag('queue-rate', values['queue-rate'], 1, 1_000_000),
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
