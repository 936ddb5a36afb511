// The operators' switches on a running shop (tiny dataset, real HTTP on loopback): each does what the
// post-mortem's operators did, only with the run's token and only on the admin port, never on the shop's own.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { ownDataDir, testDataset } from './helpers/db.ts';
import { startShop, type RunningShop } from '../shop/server.ts';
import { otherShops, type ShopTarget } from '../harness/timeline/tenants.ts';
import type { SwitchesView } from '../shop/switches.ts';

const TOKEN = 'test-switches-token-0123456789';

describe('shop switches (tiny)', () => {
  let ds: Awaited<ReturnType<typeof testDataset>>;
  let shop: RunningShop;
  let admin: string;
  let other: ShopTarget;
  let hot: string;

  const sw = (method: 'GET' | 'PATCH', body?: unknown, token: string | null = TOKEN, base = admin) =>
    fetch(`${base}/switches`, {
      method,
      headers: {
        ...(token === null ? {} : { authorization: `Bearer ${token}` }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const patch = async (body: unknown): Promise<SwitchesView> => {
    const r = await sw('PATCH', body);
    assert.equal(r.status, 200, await r.clone().text());
    return (await r.json()) as SwitchesView;
  };
  const cartAdd = (base: string, date: number, cookie?: string) =>
    fetch(`${base}/${date}/cart/add`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
      body: JSON.stringify({ cart_id: `test-switches-${date}`, item: 1, variation: 1, count: 1 }),
    });

  before(async () => {
    ds = await testDataset(ownDataDir(import.meta.url));
    shop = await startShop({ databaseUrl: ds.db.url, variant: 'before', poolSize: 4, admin: { token: TOKEN } });
    admin = shop.admin!.url;
    other = (await otherShops(ds.db.url))[0];
    hot = `${shop.url}/citymuseum/timeslots`;
  });
  after(async () => {
    await shop?.close();
    const db = new pg.Client(ds.db.url);
    await db.connect();
    await db.query(`DELETE FROM pretixbase_cartposition WHERE cart_id LIKE 'test-switches-%'`);
    await db.end();
    await ds?.close();
  });

  it('refuses every switch without the run token, and has none on the shop port', async () => {
    assert.notEqual(new URL(admin).port, new URL(shop.url).port);
    const none = await sw('PATCH', { access_cut: true }, null);
    assert.equal(none.status, 401);
    assert.match(((await none.json()) as { error: string }).error, /token/);
    assert.equal((await sw('PATCH', { access_cut: true }, 'not-the-token-of-this-run')).status, 403);
    assert.equal((await sw('GET', undefined, TOKEN.slice(0, -1) + 'x')).status, 403);
    for (const method of ['GET', 'PATCH'] as const) {
      assert.equal(
        (await sw(method, method === 'PATCH' ? { access_cut: true } : undefined, TOKEN, shop.url)).status,
        404,
        `${method} /switches on the shop port`,
      );
    }
    const view = (await (await sw('GET')).json()) as SwitchesView;
    assert.deepEqual(view, {
      access_cut: false,
      queue: null,
      disabled_shops: [],
      variant: 'before',
      reads: 'primary',
      read_servers: ['primary'],
    });
    assert.equal((await fetch(`${hot}/`)).status, 200);
    const bad = await sw('PATCH', { access_cut: 'yes' });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: string }).error, /"access_cut" must be true or false/);
    assert.equal((await sw('PATCH', { lights: 'off' })).status, 400);
  });

  it('access cut answers 503 at once on every visitor page and lifts again; health stays up', async () => {
    await patch({ access_cut: true });
    for (const r of [
      await fetch(`${hot}/`),
      await fetch(`${hot}/5/`),
      await fetch(`${shop.url}/${other.organizer}/${other.event}/`),
      await cartAdd(hot, 5),
    ]) {
      assert.equal(r.status, 503);
      assert.equal(r.headers.get('retry-after'), '60');
      await r.arrayBuffer();
    }
    assert.equal((await fetch(`${shop.url}/healthz`)).status, 200);
    await patch({ access_cut: false });
    assert.equal((await fetch(`${hot}/5/`)).status, 200);
  });

  it('disabling a shop answers 403 "shop not available" on its pages only', async () => {
    await patch({ disabled_shops: ['citymuseum/timeslots'] });
    const page = await fetch(`${hot}/7/`);
    assert.equal(page.status, 403);
    assert.match(await page.text(), /shop not available/);
    const add = await cartAdd(hot, 7);
    assert.equal(add.status, 403);
    assert.deepEqual(await add.json(), { error: 'shop not available' });
    assert.equal((await fetch(`${shop.url}/${other.organizer}/${other.event}/${other.firstDate}/`)).status, 200);
    await patch({ disabled_shops: [] });
    assert.equal((await fetch(`${hot}/7/`)).status, 200);
  });

  it('the queue paces new visitors per organizer, counts admissions, and passes the admitted', async () => {
    // N = 12: no two new visitors within 2.5 s, so a burst of 8 gets exactly one in, whatever the machine's pace
    await patch({ queue: { visitors_per_minute: 12, retry_after_s: 2 } });
    const burst = await Promise.all(Array.from({ length: 8 }, () => fetch(`${hot}/`)));
    const admitted = burst.filter((r) => r.status === 200);
    const queued = burst.filter((r) => r.status === 202);
    assert.equal(admitted.length, 1, `statuses: ${burst.map((r) => r.status)}`);
    assert.equal(queued.length, 7);
    for (const r of queued) {
      assert.equal(r.headers.get('retry-after'), '2');
      assert.match(await r.text(), /<meta http-equiv="refresh" content="2">[\s\S]*You are in the queue/);
    }
    const pass = admitted[0].headers.get('set-cookie')!.split(';')[0];
    assert.match(pass, /^queue_pass_citymuseum=/);
    // the admitted visitor goes on through the shop; a forged pass does not
    assert.equal((await fetch(`${hot}/9/`, { headers: { cookie: pass } })).status, 200);
    assert.equal((await cartAdd(hot, 9, pass)).status, 200);
    assert.equal(
      (await fetch(`${hot}/9/`, { headers: { cookie: pass.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')) } })).status,
      202,
    );
    const queuedAdd = await cartAdd(hot, 9);
    assert.equal(queuedAdd.status, 202);
    assert.deepEqual(await queuedAdd.json(), { queue: true, retry_after_s: 2 });
    // every organizer has a queue of its own
    assert.equal((await fetch(`${shop.url}/${other.organizer}/${other.event}/`)).status, 200);

    const view = (await (await sw('GET')).json()) as SwitchesView;
    assert.deepEqual(view.queue?.organizers.citymuseum, { admitted: 1, queue_pages: 9 });
    assert.deepEqual(view.queue?.organizers[other.organizer], { admitted: 1, queue_pages: 0 });
    // a browser on the queue page asks again after the pause and gets the next slot
    await new Promise((r) => setTimeout(r, 2600));
    assert.equal((await fetch(`${hot}/`)).status, 200);
    await patch({ queue: null });
    assert.equal((await fetch(`${hot}/`)).status, 200);
  });

  it('swaps the product-list query from before to after while running', async () => {
    const db = new pg.Client(ds.db.url);
    await db.connect();
    const calls = async (variant: string) =>
      (
        await db.query<{ n: number }>(
          `SELECT coalesce(sum(calls), 0)::int AS n FROM pg_stat_statements WHERE query LIKE $1`,
          [`%loadlab:product-list:${variant}%`],
        )
      ).rows[0].n;
    try {
      const b0 = await calls('before');
      const a0 = await calls('after');
      assert.equal((await fetch(`${hot}/11/`)).status, 200);
      assert.equal(await calls('before'), b0 + 1);
      assert.equal((await patch({ variant: 'after' })).variant, 'after');
      const page = await fetch(`${hot}/11/`);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /class="product"/);
      assert.equal(await calls('after'), a0 + 1);
      assert.equal(await calls('before'), b0 + 1, 'the old query ran no more');
      assert.equal((await sw('PATCH', { variant: 'sideways' })).status, 400);
      await patch({ variant: 'before' });
    } finally {
      await db.end();
    }
  });
});
