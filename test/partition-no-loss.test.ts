// load:partition's no-loss check on a real database: tasks run with the task workers' own code, then the check
// must find nothing; every kind of damage a partition could leave (a row no task reported, a lost position, an
// order cut short, a reported order that is gone) must be found and counted exactly.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type pg from 'pg';
import { createPool } from '../shop/db.ts';
import { loadEvent, loadSubevent } from '../shop/queries/catalog.ts';
import { loadProductPage } from '../shop/queries/product-page.ts';
import { runTask } from '../shop/async/run-task.ts';
import type { TaskData } from '../shop/async/jobs.ts';
import { checkNoLoss, lostOrDuplicated, type TaskRecord } from '../harness/partition/no-loss.ts';
import { openDataset, type OpenedDataset } from '../harness/db/dataset.ts';
import { ownDataDir } from './helpers/db.ts';

const loadTestDataDir = ownDataDir(import.meta.url);

describe('no-loss check', () => {
  let ds: OpenedDataset;
  let pool: pg.Pool;
  const prefix = `p-check-${process.pid}-${Date.now()}-`;
  const tasks: TaskRecord[] = [];
  let orderCode = '';

  const run = async (data: TaskData) => {
    const answer = await runTask(pool, data);
    tasks.push({ data, state: 'completed', answer });
    return answer;
  };
  const sql = async (text: string, values: unknown[] = []) => (await pool.query(text, values)).rows;
  const check = (acknowledged = 3) => checkNoLoss(ds.db.url, prefix, tasks, acknowledged);

  before(async () => {
    ds = await openDataset({ preset: 'tiny', dataDir: loadTestDataDir });
    pool = createPool({ databaseUrl: ds.db.url, poolSize: 2, acquireTimeoutMs: 5_000, statementTimeoutMs: 10_000 });
    const where = { organizer: 'citymuseum', event: 'timeslots' };
    const event = await loadEvent(pool, where.organizer, where.event);
    // a date and a product with room for three more, in a date not likely to be sold out by load tests
    let offer: { date: number; item: number; variation: number | null } | undefined;
    for (let d = ds.result.manifest.hot_subevent_first + ds.result.manifest.dates - 1; !offer; d--) {
      const { products } = await loadProductPage(pool, 'after', event, (await loadSubevent(pool, event, d)).id);
      const p = products.find(
        (x) => !x.requireVoucher && (x.variations.length ? x.variations.some((v) => v.orderMax >= 3) : x.orderMax >= 3),
      );
      if (p) offer = { date: d, item: p.id, variation: p.variations.find((v) => v.orderMax >= 3)?.id ?? null };
    }
    const add = (cartId: string, count: number) =>
      run({
        kind: 'cart-add',
        where: { ...where, subeventId: offer!.date },
        input: { cartId, item: offer!.item, variation: offer!.variation, count },
        deadline: Date.now() + 60_000,
      });
    assert.equal((await add(`${prefix}a`, 2)).status, 200);
    assert.equal((await add(`${prefix}b`, 1)).status, 200);
    const placed = await run({
      kind: 'checkout',
      where,
      cartId: `${prefix}b`,
      email: `${prefix}b@example.org`,
      deadline: Date.now() + 60_000,
    });
    assert.equal(placed.status, 200);
    orderCode = (placed.body as { order_code: string }).order_code;
  });
  after(async () => {
    await pool?.end();
    await ds?.db.close();
  });

  it('finds nothing when every row is one a finished task reported', async () => {
    const c = await check();
    assert.equal(c.carts, 2);
    assert.equal(c.positions_added, 3);
    assert.equal(c.orders_placed, 1);
    assert.equal(lostOrDuplicated(c), 0, JSON.stringify(c));
    assert.equal(c.unacknowledged, 0);
    // a failed task that wrote nothing changes nothing
    tasks.push({
      data: {
        kind: 'checkout',
        where: { organizer: 'citymuseum', event: 'timeslots' },
        cartId: `${prefix}a`,
        email: `${prefix}a@example.org`,
        deadline: 0,
      },
      state: 'failed',
      failedReason: 'rolled back: timeout',
    });
    assert.equal(lostOrDuplicated(await check()), 0);
    assert.equal((await check(2)).unacknowledged, 1, 'a finished task whose visitor saw no answer');
  });

  it("counts a position no finished task reported (a failed task's leftover, or one written twice)", async () => {
    const [row] = await sql(
      `INSERT INTO pretixbase_cartposition (event_id, cart_id, item_id, variation_id, subevent_id, price, listed_price, datetime, expires, is_bundled)
                             SELECT event_id, cart_id, item_id, variation_id, subevent_id, price, listed_price, now(), expires, false
                               FROM pretixbase_cartposition WHERE cart_id = $1 LIMIT 1 RETURNING id`,
      [`${prefix}a`],
    );
    try {
      const c = await check();
      assert.equal(c.unaccounted_positions, 1);
      assert.equal(lostOrDuplicated(c), 1);
    } finally {
      await sql('DELETE FROM pretixbase_cartposition WHERE id = $1', [row.id]);
    }
  });

  it('counts a reported position that is gone, and an order cut short', async () => {
    const [gone] = await sql(
      'DELETE FROM pretixbase_cartposition WHERE id = (SELECT min(id) FROM pretixbase_cartposition WHERE cart_id = $1) RETURNING *',
      [`${prefix}a`],
    );
    const [cut] = await sql(
      'DELETE FROM pretixbase_orderposition WHERE order_id = (SELECT id FROM pretixbase_order WHERE code = $1 AND left(email, length($2)) = $2) RETURNING *',
      [orderCode, prefix],
    );
    try {
      const c = await check();
      assert.equal(c.lost_positions, 2, 'the cart position, and the position missing from the order');
      assert.equal(c.partial_orders, 1, 'an order without positions');
      assert.equal(lostOrDuplicated(c), 3);
    } finally {
      for (const [table, row] of [
        ['pretixbase_cartposition', gone],
        ['pretixbase_orderposition', cut],
      ] as const) {
        const cols = Object.keys(row);
        await sql(
          `INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')})`,
          cols.map((k) => row[k]),
        );
      }
    }
    assert.equal(lostOrDuplicated(await check()), 0, 'restored');
  });

  it('counts a reported order that does not exist', async () => {
    tasks.push({
      data: {
        kind: 'checkout',
        where: { organizer: 'citymuseum', event: 'timeslots' },
        cartId: `${prefix}c`,
        email: `${prefix}c@example.org`,
        deadline: 0,
      },
      state: 'completed',
      answer: { status: 200, body: { order_code: 'NOSUCH', total: '1.00' } },
    });
    const c = await check();
    assert.equal(c.lost_orders, 1);
    assert.equal(lostOrDuplicated(c), 1);
    tasks.pop();
  });
});
