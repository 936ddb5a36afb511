#!/usr/bin/env tsx
// Product-list throughput of each variant: npm run bench:shop [-- --preset small --duration 10 --connections 16]
import { runMain, parseCli, parseIntFlag } from '../harness/cli/main.ts';
import { onCleanup } from '../harness/process/cleanup.ts';
import { openDataset } from '../harness/db/dataset.ts';
import { progressLog } from '../harness/cli/progress.ts';
import { variants } from '../shop/queries/product-list.ts';
import { parseVariants } from '../harness/cli/variants.ts';
import { SLOTS_PER_DAY } from '../datasets/hot-series.ts';
import { benchShop } from '../harness/bench/shop.ts';

const help = `usage: npm run bench:shop -- [--preset P] [--duration S] [--connections N] [--variants before,after] [--json]

Starts the shop of each variant on 127.0.0.1 (pool of 10 connections) against preset P (default small) and
measures product-list requests per second with autocannon: N connections (default 16) for S seconds
(default 10) each, after a 2 s warm-up, cycling over the dates of the first two weeks like visitors do.
`;

await runMain(async () => {
  const { values } = parseCli({
    preset: { type: 'string', default: 'small' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '16' },
    variants: { type: 'string', default: variants.join(',') },
    seed: { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  });
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  // bounded: at most 5 minutes per variant, at most 256 connections
  const duration = parseIntFlag('duration', values.duration, 1, 300)!;
  const connections = parseIntFlag('connections', values.connections, 1, 256)!;
  const chosen = parseVariants(values.variants!);

  const log = progressLog();
  const ds = await openDataset({ preset: values.preset!, seed: values.seed, log });
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
