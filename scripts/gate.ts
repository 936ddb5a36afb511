#!/usr/bin/env tsx
// CI performance gate: npm run gate [-- --variant after --sizes tiny,small --allow FILE --max-exponent 0.5
//   --visitors 60 --baseline-rate 60 --duration-s 20 --skip-latency --out DIR]
// 1. scaling: the growth audit of every statement the journey runs; none may do more work per call as the
//    dates grow, unless the allow-list names it (loadtests/growth-allow.txt by default);
// 2. latency: a short replay at the tripled rate must meet loadtests/incident.ts's thresholds.
// Exit 0 pass, 99 a gate failed (k6's code for failed thresholds), 1 an error.
import path from 'node:path';
import { runMain, parseCli, parseNumberFlag, parseIntFlag } from '../harness/cli/main.ts';
import { reportsDir } from '../harness/files/paths.ts';
import { ensureWritableDir } from '../harness/files/writable.ts';
import { parseVariant } from '../harness/cli/variants.ts';
import { parseSeed } from '../datasets/presets.ts';
import { auditFlags, auditSettings } from '../harness/audit/flags.ts';
import { runGate } from '../harness/gate/run.ts';

await runMain(async () => {
  const { values } = parseCli({
    variant: { type: 'string', default: 'after' },
    'baseline-rate': { type: 'string', default: '60' },
    'duration-s': { type: 'string', default: '20' },
    seed: { type: 'string' },
    'skip-latency': { type: 'boolean', default: false },
    out: { type: 'string' },
    ...auditFlags,
  });
  const outDir = path.resolve(values.out ?? path.join(reportsDir, 'gate'));
  const options = {
    ...auditSettings(values),
    variant: parseVariant(values.variant!),
    rate: parseNumberFlag('baseline-rate', values['baseline-rate'], (n) => n > 0, 'visitors per minute, > 0')!,
    durationS: parseIntFlag('duration-s', values['duration-s'], 5, 600)!,
    seed: parseSeed(values.seed),
    skipLatency: values['skip-latency']!,
    outDir,
  };
  ensureWritableDir(outDir, '--out');
  const { passed, markdown } = await runGate(options);
  console.log(markdown);
  return passed ? 0 : 99;
});
