#!/usr/bin/env tsx
// CI performance gate: npm run gate [-- --variant after --sizes tiny,small --max-growth 1.5 --baseline-rate 60 --duration-s 20 --skip-latency]
// 1. scaling: the product-list query's buffers touched may not grow with the number of dates;
// 2. latency: a short replay at the tripled rate must meet loadtests/incident.ts's thresholds.
// Exit 0 pass, 99 a gate failed (k6's code for failed thresholds), 1 an error.
import path from 'node:path';
import { runMain, parseCli, parseNumberFlag, parseIntFlag } from '../harness/cli/main.ts';
import { UserError } from '../common/user-error.ts';
import { reportsDir } from '../harness/files/paths.ts';
import { parseVariant } from '../harness/cli/variants.ts';
import { presetSpec, parseSeed } from '../datasets/presets.ts';
import { runGate } from '../harness/gate/run.ts';

await runMain(async () => {
  const { values } = parseCli({
    variant: { type: 'string', default: 'after' },
    sizes: { type: 'string', default: 'tiny,small' },
    'max-growth': { type: 'string', default: '1.5' },
    position: { type: 'string', default: '0.5' },
    'baseline-rate': { type: 'string', default: '60' },
    'duration-s': { type: 'string', default: '20' },
    seed: { type: 'string' },
    'skip-latency': { type: 'boolean', default: false },
    out: { type: 'string' },
  });
  const sizes = values.sizes!.split(',').map((s) => presetSpec(s.trim()));
  if (sizes.length !== 2) throw new UserError(`--sizes '${values.sizes}' must name two presets, smaller first (e.g. tiny,small)`);
  if (sizes[1].dates <= sizes[0].dates) throw new UserError(`--sizes '${values.sizes}': the second preset must have more dates than the first`);
  const { passed, markdown } = await runGate({
    variant: parseVariant(values.variant!),
    sizes: [sizes[0], sizes[1]],
    maxGrowth: parseNumberFlag('max-growth', values['max-growth'], (n) => n >= 1, 'a number >= 1')!,
    position: parseNumberFlag('position', values.position, (n) => n >= 0 && n < 1, 'a fraction from 0 (first date) to below 1')!,
    rate: parseNumberFlag('baseline-rate', values['baseline-rate'], (n) => n > 0, 'visitors per minute, > 0')!,
    durationS: parseIntFlag('duration-s', values['duration-s'], 5, 600)!,
    seed: parseSeed(values.seed),
    skipLatency: values['skip-latency']!,
    outDir: path.resolve(values.out ?? path.join(reportsDir, 'gate')),
  });
  console.log(markdown);
  return passed ? 0 : 99;
});
