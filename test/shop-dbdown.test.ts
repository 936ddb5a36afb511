// Database down: every route and /healthz answer 503 (quickly, no hang, no 500), and the shop recovers by
// itself once the database is back. Uses an embedded server of its own, which this test stops and restarts.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { stateDir } from '../harness/files/paths.ts';
import { openDataset, type OpenedDataset } from '../harness/db/dataset.ts';
import { startEmbedded, type EmbeddedServer } from '../harness/db/embedded.ts';
import { startShop, type RunningShop } from '../shop/server.ts';

const dataDir = path.join(stateDir, 'test-shop-down-pgdata');
const external = Boolean(process.env.DATABASE_URL?.trim());

describe('shop with the database down', { skip: external ? 'DATABASE_URL is set: this test stops and restarts an embedded server of its own' : false }, () => {
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
    const json = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return [
      () => fetch(`${shop.url}/healthz`),
      () => fetch(`${base}/`),
      () => fetch(`${base}/7/`),
      () => fetch(`${base}/7/cart/add`, json({ cart_id: 'test-down', item: 1, variation: 1, count: 1 })),
      () => fetch(`${base}/checkout`, json({ cart_id: 'test-down', email: 'a@example.org' })),
    ].slice(0, n).map((f) => f());
  };

  it('answers 503 everywhere while the database is down, and recovers when it is back', async (t) => {
    const server = ds.db.server;
    if (!server?.owned) return t.skip('the embedded server was already running (started elsewhere); not stopping it');
    assert.equal((await fetch(`${shop.url}/citymuseum/timeslots/7/`)).status, 200);

    await server.stop();
    const t0 = performance.now();
    const down = await Promise.all(requests());
    const seconds = (performance.now() - t0) / 1000;
    assert.deepEqual(down.map((r) => r.status), [503, 503, 503, 503, 503]);
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
