#!/usr/bin/env tsx
// CI performance gate: npm run gate [-- --variant after --sizes tiny,small --allow FILE --max-exponent 0.5
//   --visitors 60 --baseline-rate 60 --duration-s 20 --skip-latency --out DIR]
// 1. scaling: the growth audit of every statement the journey runs; none may do more work per call as the
//    dates grow, unless the allow-list names it (loadtests/growth-allow.txt by default);
// 2. latency: a short replay at the tripled rate must meet loadtests/incident.ts's thresholds.
// Exit 0 pass, 99 a gate failed (k6's code for failed thresholds), 1 an error.
import path from 'node:path';
import { runCommand, parseNumberFlag, parseIntFlag } from '../harness/cli/main.ts';
import { defineCommand } from '../harness/cli/flags.ts';
import { seedFlag, variantFlag } from '../harness/cli/common-flags.ts';
import { reportsDir } from '../harness/files/paths.ts';
import { ensureWritableDir } from '../harness/files/writable.ts';
import { parseVariant } from '../harness/cli/variants.ts';
import { parseSeed } from '../datasets/presets.ts';
import { auditFlags, auditSettings } from '../harness/audit/flags.ts';
import { runGate } from '../harness/gate/run.ts';
import { auditGateStep } from '../harness/audit/gate-cases.ts';

export const command = defineCommand({
  npm: 'gate',
  about: `1. scaling: the growth audit over every statement the journey runs (as audit:growth); none may do more work
    per call as the dates grow unless the allow-list names it. 2. latency: a short replay at the tripled rate
    must meet loadtests/incident.ts's thresholds. Writes gate.md and junit.xml.`,
  flags: {
    variant: variantFlag('after'),
    'baseline-rate': {
      type: 'string',
      arg: 'N',
      default: '60',
      help: 'baseline visitors per minute of the latency replay, which plays three times this (a number > 0)',
    },
    'duration-s': { type: 'string', arg: 'S', default: '20', help: 'seconds of the latency replay (5 to 600)' },
    seed: seedFlag,
    'skip-latency': { type: 'boolean', help: 'run the scaling gate only' },
    out: { type: 'string', arg: 'DIR', defaultText: 'reports/gate/', help: 'folder for gate.md and junit.xml' },
    ...auditFlags,
  },
  examples: ['', '--variant before --skip-latency'],
  exitCodes: { 0: 'both gates passed', 99: "a gate failed (k6's code for failed thresholds)" },
});

await runCommand(import.meta.url, command, async ({ values }) => {
  const outDir = path.resolve(values.out ?? path.join(reportsDir, 'gate'));
  const settings = auditSettings(values);
  const variant = parseVariant(values.variant);
  const seed = parseSeed(values.seed);
  const options = {
    variant,
    latencySize: settings.sizes.at(-1)!,
    rate: parseNumberFlag('baseline-rate', values['baseline-rate'], (n) => n > 0, 'visitors per minute, > 0')!,
    durationS: parseIntFlag('duration-s', values['duration-s'], 5, 600)!,
    seed,
    skipLatency: values['skip-latency'],
    outDir,
    scaling: (log: (line: string) => void) =>
      auditGateStep({ ...settings, variant, seed, outDir: path.join(outDir, 'audit') }, log),
  };
  ensureWritableDir(outDir, '--out');
  const { passed, markdown } = await runGate(options);
  console.log(markdown);
  return passed ? 0 : 99;
});
