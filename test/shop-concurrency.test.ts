// 200 simultaneous cart adds against a quota of 50: the quota lock must let exactly the free places through,
// never more. Each variant gets a date of its own at the end of the series, restored afterwards.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { ownDataDir, testDataset } from './helpers/db.ts';
import { startShop } from '../shop/server.ts';
import { HOT_ITEMS } from '../datasets/hot-series.ts';
import { sharedTimeout } from './helpers/timeouts.ts';

/** the generator numbers variations in item order, so an item's ids follow from the ones before it */
function variationIds(itemId: number): number[] {
  let first = 1;
  for (const it of HOT_ITEMS) {
    if (it.id === itemId) return it.variations.map((_, k) => first + k);
    first += it.variations.length;
  }
  throw new Error(`no hot item ${itemId}`);
}

const CART_PREFIX = 'test-conc-';
const SIZE = 50;
const ATTEMPTS = 200;

describe('shop cart concurrency (tiny)', () => {
  let ds: Awaited<ReturnType<typeof testDataset>>;
  let db: pg.Client;
  const restore: { id: number; size: number | null }[] = [];

  before(async () => {
    ds = await testDataset(ownDataDir(import.meta.url));
    db = new pg.Client(ds.db.url);
    await db.connect();
  });
  after(async () => {
    if (db) {
      await db.query(`DELETE FROM pretixbase_cartposition WHERE cart_id LIKE '${CART_PREFIX}%'`);
      for (const r of restore) await db.query('UPDATE pretixbase_quota SET size = $2 WHERE id = $1', [r.id, r.size]);
      await db.end();
    }
    await ds?.close();
  });

  /** places taken in the quota: paid/pending order positions and unexpired carts of its date and products */
  async function taken(quotaId: number): Promise<number> {
    const { rows } = await db.query<{ n: number }>(
      `SELECT ((SELECT count(*) FROM pretixbase_orderposition op JOIN pretixbase_order o ON o.id = op.order_id, pretixbase_quota q
                 WHERE q.id = $1 AND op.subevent_id = q.subevent_id AND NOT op.canceled AND o.status IN ('p','n')
                   AND op.variation_id IN (SELECT itemvariation_id FROM pretixbase_quota_variations WHERE quota_id = $1))
             + (SELECT count(*) FROM pretixbase_cartposition cp, pretixbase_quota q
                 WHERE q.id = $1 AND cp.subevent_id = q.subevent_id AND cp.expires >= now()
                   AND cp.variation_id IN (SELECT itemvariation_id FROM pretixbase_quota_variations WHERE quota_id = $1)))::int AS n`,
      [quotaId],
    );
    return rows[0].n;
  }

  for (const [variant, offset] of [
    ['before', 0],
    ['after', 1],
  ] as const) {
    it(`sells at most ${SIZE} places to ${ATTEMPTS} concurrent cart adds (${variant})`, async () => {
      const subevent = ds.result.manifest.hot_subevent_last - offset;
      const { rows } = await db.query<{ id: number; size: number | null }>(
        "SELECT id, size FROM pretixbase_quota WHERE subevent_id = $1 AND name LIKE 'Admission%'",
        [subevent],
      );
      const quota = rows[0];
      restore.push(quota);
      await db.query('UPDATE pretixbase_quota SET size = $2 WHERE id = $1', [quota.id, SIZE]);
      const already = await taken(quota.id);
      assert.ok(already < SIZE, `date ${subevent} already has ${already} places taken`);

      // 200 adds queue for 10 connections and then for the quota's lock, one after another: with other test
      // files on the machine the last ones wait longer than the shop's 10 s for a connection and get a 503,
      // which says nothing about the lock; the waits scale with the files beside this one
      const shop = await startShop({
        databaseUrl: ds.db.url,
        variant,
        poolSize: 10,
        acquireTimeoutMs: sharedTimeout(10_000),
        statementTimeoutMs: sharedTimeout(30_000),
      });
      try {
        const url = `${shop.url}/citymuseum/timeslots/${subevent}/cart/add`;
        // spread over the products and variations that share the quota, all at once
        const bodies = Array.from({ length: ATTEMPTS }, (_, i) => {
          const item = HOT_ITEMS[i % 3];
          return {
            cart_id: `${CART_PREFIX}${variant}-${i}`,
            item: item.id,
            variation: variationIds(item.id)[Math.floor(i / 3) % item.variations.length],
            count: 1,
          };
        });
        const statuses = await Promise.all(
          bodies.map(async (body) => {
            const res = await fetch(url, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify(body),
            });
            await res.arrayBuffer();
            return res.status;
          }),
        );
        const ok = statuses.filter((s) => s === 200).length;
        const refused = statuses.filter((s) => s === 409).length;
        assert.equal(
          ok + refused,
          ATTEMPTS,
          `other statuses: ${statuses.filter((s) => s !== 200 && s !== 409).join(',')}`,
        );
        assert.equal(ok, SIZE - already, 'every free place is sold, and not one more');
        assert.equal(await taken(quota.id), SIZE);
        const page = await (await fetch(`${shop.url}/citymuseum/timeslots/${subevent}/`)).text();
        assert.match(page, /data-item="1" data-variation="1" data-available="0"/);
      } finally {
        await shop.close();
      }
    });
  }
});
