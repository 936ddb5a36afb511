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
import { runMain, parseCli } from '../harness/cli/main.ts';
import { progressLog } from '../harness/cli/progress.ts';
import { parseVariant } from '../harness/cli/variants.ts';
import { reportsDir } from '../harness/files/paths.ts';
import { parseSeed } from '../datasets/presets.ts';
import { auditFlags, auditSettings, requireGateSettings } from '../harness/audit/flags.ts';
import { runAudit } from '../harness/audit/run.ts';
import { renderGrowthMd } from '../harness/audit/render.ts';
import { unexpected } from '../harness/audit/growth.ts';

import { ensureWritableDir } from '../harness/files/writable.ts';

await runMain(async () => {
  const { values } = parseCli({
    variant: { type: 'string', default: 'after' },
    seed: { type: 'string' },
    out: { type: 'string' },
    'update-baseline': { type: 'boolean', default: false },
    ...auditFlags,
  });
  const outDir = path.resolve(values.out ?? path.join(reportsDir, 'growth'));
  const settings = auditSettings(values);
  const variant = parseVariant(values.variant!);
  const seed = parseSeed(values.seed);
  const updateBaseline = values['update-baseline']!;
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
