// Database down: every route and /healthz answer 503 (quickly, no hang, no 500), and the shop recovers by
// itself once the database is back. Uses an embedded server of its own, which this test stops and restarts.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { openDataset, type OpenedDataset } from '../harness/db/dataset.ts';
import { startEmbedded, type EmbeddedServer } from '../harness/db/embedded.ts';
import { startShop, type RunningShop } from '../shop/server.ts';
import { createPool, withClient } from '../shop/db.ts';
import { ownDataDir } from './helpers/db.ts';

const dataDir = ownDataDir(import.meta.url);
const external = Boolean(process.env.DATABASE_URL?.trim());

describe('shop with the database down', {
  skip: external ? 'DATABASE_URL is set: this test stops and restarts an embedded server of its own' : false,
}, () => {
  let ds: OpenedDataset;
  let shop: RunningShop;
  let restarted: EmbeddedServer | undefined;

  before(async () => {
    ds = await openDataset({ preset: 'tiny', dataDir });
    shop = await startShop({ databaseUrl: ds.db.url, variant: 'after', poolSize: 2, acquireTimeoutMs: 3000 });
  });
  after(async () => {
    await shop?.close();
    await restarted?.stop();
    await ds?.db.close();
  });

  const requests = (n = 5) => {
    const base = `${shop.url}/citymuseum/timeslots`;
    const json = (body: unknown) => ({
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return [
      () => fetch(`${shop.url}/healthz`),
      () => fetch(`${base}/`),
      () => fetch(`${base}/7/`),
      () => fetch(`${base}/7/cart/add`, json({ cart_id: 'test-down', item: 1, variation: 1, count: 1 })),
      () => fetch(`${base}/checkout`, json({ cart_id: 'test-down', email: 'a@example.org' })),
    ]
      .slice(0, n)
      .map((f) => f());
  };

  it('a connection the server ends while a request holds it between two queries fails that request, not the process', async () => {
    const pool = createPool({
      databaseUrl: ds.db.url,
      poolSize: 1,
      acquireTimeoutMs: 3000,
      statementTimeoutMs: 10_000,
    });
    try {
      await assert.rejects(
        withClient(pool, async (db) => {
          const pid = (await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
          // the server's FATAL reaches the idle-in-request client, which then ends; unhandled, the FATAL would
          // end this process
          const ended = new Promise((r) => db.once('end', r));
          const admin = new pg.Client({ connectionString: ds.db.url });
          await admin.connect();
          await admin.query('SELECT pg_terminate_backend($1)', [pid]);
          await admin.end();
          await ended;
          await db.query('SELECT 1');
        }),
      );
      // the dead client was dropped: the next request gets a fresh connection
      assert.equal((await withClient(pool, (db) => db.query<{ one: number }>('SELECT 1 AS one'))).rows[0].one, 1);
    } finally {
      await pool.end();
    }
  });

  it('answers 503 everywhere while the database is down, and recovers when it is back', async (t) => {
    const server = ds.db.server;
    if (!server?.owned) return t.skip('the embedded server was already running (started elsewhere); not stopping it');
    assert.equal((await fetch(`${shop.url}/citymuseum/timeslots/7/`)).status, 200);

    await server.stop();
    const t0 = performance.now();
    const down = await Promise.all(requests());
    const seconds = (performance.now() - t0) / 1000;
    assert.deepEqual(
      down.map((r) => r.status),
      [503, 503, 503, 503, 503],
    );
    assert.ok(seconds < 10, `503s took ${seconds.toFixed(1)} s`);
    const body = await down[2].text();
    assert.match(body, /database/i);
    assert.equal(down[2].headers.get('retry-after'), '5');

    restarted = await startEmbedded({ dataDir, port: server.port, database: 'loadlab_tiny' });
    const deadline = Date.now() + 15_000;
    let statuses: number[] = [];
    while (Date.now() < deadline) {
      statuses = (await Promise.all(requests(3))).map((r) => r.status);
      if (statuses.every((s) => s === 200)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.deepEqual(statuses, [200, 200, 200]);
    const metrics = await (await fetch(`${shop.url}/metrics`)).text();
    assert.match(metrics, /status="503"/);
    assert.doesNotMatch(metrics, /status="500"/);
  });
});
