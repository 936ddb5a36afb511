#!/usr/bin/env tsx
// Product-list throughput of each variant: npm run bench:shop [-- --preset small --duration 10 --connections 16]
import { createRequire } from 'node:module';
import { runMain, parseCli, parseIntFlag } from './lib/main.ts';
import { onCleanup } from './lib/cleanup.ts';
import { openDataset } from './lib/dataset.ts';
import { progressLog } from './lib/verbosity.ts';
import { startShop } from '../shop/server.ts';
import { variants, type Variant } from '../shop/queries/product-list.ts';
import { parseVariants } from './lib/variants.ts';
import { SLOTS_PER_DAY } from '../datasets/hot-series.ts';

// autocannon ships no types: the slice of its API used here, typed locally
interface AutocannonRequest {
  method?: string;
  path?: string;
  setupRequest?: (req: AutocannonRequest) => AutocannonRequest;
}
interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p97_5: number; p99: number; average: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  duration: number;
}
type Autocannon = (opts: {
  url: string;
  connections: number;
  duration: number;
  timeout: number;
  requests: AutocannonRequest[];
}) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const help = `usage: npm run bench:shop -- [--preset P] [--duration S] [--connections N] [--variants before,after] [--json]

Starts the shop of each variant on 127.0.0.1 (pool of 10 connections) against preset P (default small) and
measures product-list requests per second with autocannon: N connections (default 16) for S seconds
(default 10) each, after a 2 s warm-up, cycling over the dates of the first two weeks like visitors do.
`;

interface BenchFigures {
  variant: Variant;
  requests_per_s: number;
  requests: number;
  p50_ms: number;
  p99_ms: number;
  non_2xx: number;
  errors: number;
}

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

  const results: BenchFigures[] = [];
  for (const variant of chosen) {
    const shop = await startShop({ databaseUrl: ds.db.url, variant });
    const stop = onCleanup(`shop (${variant})`, () => shop.close());
    try {
      const run = (seconds: number) => autocannon({
        url: shop.url, connections, duration: seconds, timeout: 10,
        requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: nextPath() }) }],
      });
      log(`${variant}: warming up`);
      await run(2);
      log(`${variant}: measuring ${duration} s with ${connections} connections`);
      const r = await run(duration);
      results.push({
        variant, requests_per_s: Math.round(r.requests.total / r.duration * 10) / 10, requests: r.requests.total,
        p50_ms: r.latency.p50, p99_ms: r.latency.p99, non_2xx: r.non2xx, errors: r.errors + r.timeouts,
      });
    } finally {
      await shop.close();
      stop();
    }
  }
  if (values.json) {
    process.stdout.write(JSON.stringify({ preset: m.preset, dates: m.dates, connections, duration_s: duration, results }) + '\n');
    return 0;
  }
  process.stdout.write(`product-list on ${m.preset} (${m.dates} dates), ${connections} connections, ${duration} s per variant, pool 10\n`);
  for (const r of results) {
    process.stdout.write(`  ${r.variant.padEnd(6)} ${r.requests_per_s.toFixed(1).padStart(8)} req/s  p50 ${r.p50_ms} ms  p99 ${r.p99_ms} ms  (${r.requests} requests, ${r.non_2xx} non-2xx, ${r.errors} errors)\n`);
  }
  const [a, b] = [results.find((r) => r.variant === 'before'), results.find((r) => r.variant === 'after')];
  if (a && b && a.requests_per_s > 0) process.stdout.write(`  after / before: ${(b.requests_per_s / a.requests_per_s).toFixed(1)}x\n`);
  return 0;
});
