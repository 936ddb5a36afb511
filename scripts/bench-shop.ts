#!/usr/bin/env tsx
// Product-list throughput of each variant: npm run bench:shop [-- --preset small --duration 10 --connections 16]
import { runCommand, parseIntFlag } from '../harness/cli/main.ts';
import { defineCommand } from '../harness/cli/flags.ts';
import { presetFlag, seedFlag, variantsFlag } from '../harness/cli/common-flags.ts';
import { onCleanup } from '../harness/process/cleanup.ts';
import { openDataset } from '../harness/db/dataset.ts';
import { progressLog } from '../harness/cli/progress.ts';
import { variants } from '../shop/queries/product-list.ts';
import { parseVariants } from '../harness/cli/variants.ts';
import { SLOTS_PER_DAY } from '../datasets/hot-series.ts';
import { benchShop } from '../harness/bench/shop.ts';

export const command = defineCommand({
  npm: 'bench:shop',
  about: `Starts the shop of each variant on 127.0.0.1 (pool of 10 connections) and measures product-list
    requests per second with autocannon, after a 2 s warm-up, cycling over the dates of the first two weeks like
    visitors do.`,
  flags: {
    preset: presetFlag('small'),
    duration: { type: 'string', arg: 'S', default: '10', help: 'seconds per variant (1 to 300)' },
    connections: { type: 'string', arg: 'N', default: '16', help: 'concurrent connections (1 to 256)' },
    variants: variantsFlag(variants.join(',')),
    seed: seedFlag,
    json: { type: 'boolean', help: 'print one JSON line: { preset, dates, connections, duration_s, results }' },
  },
  examples: ['', '--preset incident --duration 30 --json'],
  exitCodes: { 0: 'figures printed' },
});

await runCommand(import.meta.url, command, async ({ values }) => {
  // bounded: at most 5 minutes per variant, at most 256 connections
  const duration = parseIntFlag('duration', values.duration, 1, 300)!;
  const connections = parseIntFlag('connections', values.connections, 1, 256)!;
  const chosen = parseVariants(values.variants);

  const log = progressLog();
  const ds = await openDataset({ preset: values.preset, seed: values.seed, log });
  onCleanup('database', () => ds.db.close());
  const m = ds.result.manifest;
  const span = Math.min(m.dates, 14 * SLOTS_PER_DAY);
  let n = 0;
  const nextPath = () => `/citymuseum/timeslots/${m.hot_subevent_first + ((n++ * 7919) % span)}/`;

  const results = await benchShop({ databaseUrl: ds.db.url, variants: chosen, connections, duration, nextPath, log });
  if (values.json) {
    process.stdout.write(
      JSON.stringify({ preset: m.preset, dates: m.dates, connections, duration_s: duration, results }) + '\n',
    );
    return 0;
  }
  process.stdout.write(
    `product-list on ${m.preset} (${m.dates} dates), ${connections} connections, ${duration} s per variant, pool 10\n`,
  );
  for (const r of results) {
    process.stdout.write(
      `  ${r.variant.padEnd(6)} ${r.requests_per_s.toFixed(1).padStart(8)} req/s  p50 ${r.p50_ms} ms  p99 ${r.p99_ms} ms  (${r.requests} requests, ${r.non_2xx} non-2xx, ${r.errors} errors)\n`,
    );
  }
  const [a, b] = [results.find((r) => r.variant === 'before'), results.find((r) => r.variant === 'after')];
  if (a && b && a.requests_per_s > 0)
    process.stdout.write(`  after / before: ${(b.requests_per_s / a.requests_per_s).toFixed(1)}x\n`);
  return 0;
});
