// Regressions planted in front of the real shop, for the growth audit's tests: a migration run on the audited
// database before the shop starts (outside what the audit measures), and statements run on the audited
// database before the shop answers chosen routes, as a code change in the shop would run them.
import http from 'node:http';
import pg from 'pg';
import { startShopApp, type AppStarter } from '../../harness/audit/run.ts';

export interface PlantRequest {
  method: string;
  /** path and query, as the visitor sent it */
  url: string;
}

export interface Plant {
  /** statements run once, before the shop starts: a migration (dropped index, new index) */
  migrate?: string[];
  /** read once before the shop starts (not measured); what onRequest gets as `state` */
  setup?: (db: pg.Client) => Promise<unknown>;
  /** runs before the shop answers each request, on a connection to the audited database */
  onRequest?: (req: PlantRequest, db: pg.PoolClient, state: unknown) => Promise<void>;
}

/** The reference shop behind a front that applies the plants; no plant at all is the shop as it is. */
export function plantedShop(plants: Plant[]): AppStarter {
  return async (variant, databaseUrl) => {
    const states: unknown[] = [];
    const setup = new pg.Client({ connectionString: databaseUrl });
    await setup.connect();
    try {
      for (const p of plants) {
        for (const sql of p.migrate ?? []) await setup.query(sql);
        states.push(p.setup ? await p.setup(setup) : undefined);
      }
    } finally {
      await setup.end();
    }
    const shop = await startShopApp(variant, databaseUrl);
    const pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
    const front = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        try {
          const request = { method: req.method ?? 'GET', url: req.url ?? '/' };
          const client = await pool.connect();
          try {
            for (const [i, p] of plants.entries()) await p.onRequest?.(request, client, states[i]);
          } finally {
            client.release();
          }
          const answer = await fetch(`${shop.url}${req.url}`, {
            method: req.method,
            headers: { 'content-type': req.headers['content-type'] ?? 'text/plain' },
            body: req.method === 'GET' ? undefined : Buffer.concat(chunks),
          });
          res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'text/plain' });
          res.end(Buffer.from(await answer.arrayBuffer()));
        } catch (err) {
          res.writeHead(502).end(String(err));
        }
      });
    });
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    const { port } = front.address() as { port: number };
    return {
      url: `http://127.0.0.1:${port}`,
      unexpectedEnd: shop.unexpectedEnd,
      stop: async () => {
        await new Promise((resolve) => front.close(resolve));
        await pool.end();
        await shop.stop();
      },
    };
  };
}

/** the route a request is on, by the shop's URL patterns (calendar, product-list, cart-add, checkout) */
export function routeOf(r: PlantRequest): string | null {
  const p = r.url.split('?')[0];
  if (r.method === 'GET' && /^\/[^/]+\/[^/]+\/$/.test(p)) return 'calendar';
  if (r.method === 'GET' && /^\/[^/]+\/[^/]+\/\d+\/$/.test(p)) return 'product-list';
  if (r.method === 'POST' && /^\/[^/]+\/[^/]+\/\d+\/cart\/add$/.test(p)) return 'cart-add';
  if (r.method === 'POST' && /^\/[^/]+\/[^/]+\/checkout$/.test(p)) return 'checkout';
  return null;
}
