import { createRequire } from 'node:module';
import { onCleanup } from '../process/cleanup.ts';
import { startShop } from '../../shop/server.ts';
import type { Variant } from '../../shop/queries/product-list.ts';

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

export interface BenchFigures {
  variant: Variant;
  requests_per_s: number;
  requests: number;
  p50_ms: number;
  p99_ms: number;
  non_2xx: number;
  errors: number;
}

export interface ShopBenchOptions {
  databaseUrl: string;
  variants: Variant[];
  connections: number;
  duration: number;
  nextPath: () => string;
  log: (line: string) => void;
}

/** Product-list requests/s of each variant's shop, in this process, with autocannon on loopback after a 2 s warm-up. */
export async function benchShop(o: ShopBenchOptions): Promise<BenchFigures[]> {
  const { connections, duration, nextPath, log } = o;
  const results: BenchFigures[] = [];
  for (const variant of o.variants) {
    const shop = await startShop({ databaseUrl: o.databaseUrl, variant });
    const stop = onCleanup(`shop (${variant})`, () => shop.close());
    try {
      const run = (seconds: number) =>
        autocannon({
          url: shop.url,
          connections,
          duration: seconds,
          timeout: 10,
          requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: nextPath() }) }],
        });
      log(`${variant}: warming up`);
      await run(2);
      log(`${variant}: measuring ${duration} s with ${connections} connections`);
      const r = await run(duration);
      results.push({
        variant,
        requests_per_s: Math.round((r.requests.total / r.duration) * 10) / 10,
        requests: r.requests.total,
        p50_ms: r.latency.p50,
        p99_ms: r.latency.p99,
        non_2xx: r.non2xx,
        errors: r.errors + r.timeouts,
      });
    } finally {
      await shop.close();
      stop();
    }
  }
  return results;
}
