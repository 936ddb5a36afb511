#!/usr/bin/env tsx
// EXPLAIN (ANALYZE, BUFFERS) of the product-list query: npm run explain -- --preset P --variant V [--date N] [--json]
import path from 'node:path';
import { runCommand, parseIntFlag } from '../harness/cli/main.ts';
import { defineCommand } from '../harness/cli/flags.ts';
import { presetFlag, seedFlag } from '../harness/cli/common-flags.ts';
import { UserError } from '../common/user-error.ts';
import { onCleanup } from '../harness/process/cleanup.ts';
import { openDataset } from '../harness/db/dataset.ts';
import { reportsDir, shownPath } from '../harness/files/paths.ts';
import { progressLog } from '../harness/cli/progress.ts';
import { explainProductList } from '../shop/explain.ts';
import { variants } from '../shop/queries/product-list.ts';
import { parseVariant } from '../harness/cli/variants.ts';

export const command = defineCommand({
  npm: 'explain',
  usage: '--variant V [flags]',
  about: `EXPLAIN (ANALYZE, BUFFERS) of the product-list query of one date of citymuseum/timeslots, with the SQL
    and parameters the shop sends (after one warm-up run). Prints execution time, buffers touched (shared hit +
    shared read + temp read + temp written of the plan's top node) and temp blocks written, and saves the JSON
    plan as reports/explain/<preset>-<variant>-date<N>.json.`,
  flags: {
    preset: presetFlag('incident'),
    variant: {
      type: 'string',
      arg: 'V',
      defaultText: 'none, required',
      help: 'product-list variant: before (the incident query) or after (the fix, pretix PR #6318)',
    },
    date: {
      type: 'string',
      arg: 'N',
      defaultText: 'the middle date, floor(dates / 2) + 1',
      help: "the date's 1-based position in the series (1 = the first date)",
    },
    seed: seedFlag,
    json: {
      type: 'boolean',
      help: 'print one line: { variant, preset, dates, subevent_id, execution_ms, buffers_touched, temp_blocks_written, plan_file }',
    },
  },
  examples: ['--preset tiny --variant before', '--preset incident --variant after --date 1 --json'],
  exitCodes: { 0: 'the plan is printed and saved' },
});

await runCommand(import.meta.url, command, async ({ values }) => {
  if (!values.variant) throw new UserError(`--variant is required (accepted: ${variants.join(', ')})`);
  const variant = parseVariant(values.variant);
  const log = progressLog();
  const ds = await openDataset({ preset: values.preset, seed: values.seed, log });
  onCleanup('database', () => ds.db.close());
  const m = ds.result.manifest;
  const position = parseIntFlag('date', values.date, 1, m.dates) ?? Math.floor(m.dates / 2) + 1;
  const subeventId = m.hot_subevent_first + position - 1;
  const planFile = path.join(reportsDir, 'explain', `${m.preset}-${variant}-date${position}.json`);
  const e = await explainProductList(ds.db.url, variant, subeventId, {
    planFile,
    tempFileLimit: ds.db.server?.soloTempFileLimit(),
  });
  const relPlan = shownPath(planFile);
  if (values.json) {
    process.stdout.write(
      JSON.stringify({
        variant,
        preset: m.preset,
        dates: m.dates,
        subevent_id: subeventId,
        execution_ms: e.execution_ms,
        buffers_touched: e.buffers_touched,
        temp_blocks_written: e.temp_blocks_written,
        plan_file: relPlan,
      }) + '\n',
    );
    return 0;
  }
  process.stdout.write(
    `product-list ${variant} on ${m.preset} (${m.dates} dates), date ${position} = subevent ${subeventId}\n` +
      `  execution time       ${e.execution_ms.toFixed(1)} ms (planning ${e.planning_ms.toFixed(1)} ms)\n` +
      `  buffers touched      ${e.buffers_touched} (shared hit ${e.shared_hit}, shared read ${e.shared_read}, temp read ${e.temp_read}, temp written ${e.temp_blocks_written})\n` +
      `  temp blocks written  ${e.temp_blocks_written}\n` +
      `  plan                 ${e.plan_shape}\n` +
      `  saved                ${relPlan}\n`,
  );
  return 0;
});
