#!/usr/bin/env tsx
// Growth audit: npm run audit:growth -- [--variant after] [--sizes tiny,small] [--allow FILE] [--out DIR]
//   [--visitors 60] [--seed N] [--max-exponent 0.5] [--min-work-increase 50] [--baseline FILE]
//   [--max-regression 25] [--min-new-work 100] [--update-baseline]
// Plays the same visitors of loadtests/incident.ts at each size and measures every statement the database
// ran; a statement whose work per call or per visitor grows with the number of dates, that regressed against
// the baseline, or that is new and heavy fails the audit unless the allow-list names it. Writes growth.json,
// growth.md and junit.xml; --update-baseline also rewrites the baseline (then only growth fails). Exit 0
// nothing unexpected, 99 something, 1 an error.
import path from 'node:path';
import { runCommand } from '../harness/cli/main.ts';
import { defineCommand } from '../harness/cli/flags.ts';
import { seedFlag, variantFlag } from '../harness/cli/common-flags.ts';
import { progressLog } from '../harness/cli/progress.ts';
import { parseVariant } from '../harness/cli/variants.ts';
import { reportsDir } from '../harness/files/paths.ts';
import { parseSeed } from '../datasets/presets.ts';
import { auditFlags, auditSettings, requireGateSettings } from '../harness/audit/flags.ts';
import { runAudit } from '../harness/audit/run.ts';
import { renderGrowthMd } from '../harness/audit/render.ts';
import { unexpected } from '../harness/audit/growth.ts';

import { ensureWritableDir } from '../harness/files/writable.ts';

export const command = defineCommand({
  npm: 'audit:growth',
  about: `At each size it seeds the dataset afresh, starts the shop and plays the same visitors of
    loadtests/incident.ts (its sample phase), then takes every statement the database ran from
    pg_stat_statements (and auto_explain's plans on the embedded server) and computes its work per call, its calls
    and work per visitor, the exponents of their growth with the number of dates, and compares each with the
    committed baseline (loadtests/growth-baseline.json). Writes growth.json (loadlab.growth/v1), growth.md and
    junit.xml.`,
  flags: {
    variant: variantFlag('after'),
    seed: seedFlag,
    out: {
      type: 'string',
      arg: 'DIR',
      defaultText: 'reports/growth/',
      help: 'folder for growth.json, growth.md, junit.xml',
    },
    'update-baseline': {
      type: 'boolean',
      help: "rewrite the baseline from this run (the gate's settings only); commit it with the reason for the change",
    },
    ...auditFlags,
  },
  examples: ['', '--variant before --sizes tiny,small,dates-10000'],
  exitCodes: {
    0: 'no statement grows, regressed or is new and heavy beyond the allow-list',
    99: 'a statement grows with the number of dates, regressed against the baseline or is new and heavy, and the allow-list does not name it',
  },
});

await runCommand(import.meta.url, command, async ({ values }) => {
  const outDir = path.resolve(values.out ?? path.join(reportsDir, 'growth'));
  const settings = auditSettings(values);
  const variant = parseVariant(values.variant);
  const seed = parseSeed(values.seed);
  const updateBaseline = values['update-baseline'] === true;
  if (updateBaseline) requireGateSettings({ ...settings, variant, seed, explicitFile: values.baseline !== undefined });
  ensureWritableDir(outDir, '--out');
  const report = await runAudit({
    ...settings,
    variant,
    seed,
    outDir,
    updateBaseline,
    log: progressLog(),
    warn: (line) => process.stderr.write(`${line}\n`),
  });
  console.log(renderGrowthMd(report));
  console.log(`written: ${path.relative(process.cwd(), outDir) || '.'}/growth.json, growth.md, junit.xml`);
  if (updateBaseline) console.log(`baseline written: ${path.relative(process.cwd(), settings.baseline.file)}`);
  // rewriting the baseline accepts what regressed or is new; growth with the dates still needs the allow-list
  const failing = unexpected(report.statements).filter((s) => !updateBaseline || s.verdict === 'grows');
  return failing.length > 0 ? 99 : 0;
});
