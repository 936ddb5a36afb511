// The two product-list variants give the same shop page for every date of the hot series, and the EXPLAIN
// library reports the figures design.md defines. Real PostgreSQL (tiny preset), no HTTP.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { ownDataDir, testDataset } from './helpers/db.ts';
import { loadEvent, type EventInfo } from '../shop/queries/catalog.ts';
import { loadProductPage } from '../shop/queries/product-page.ts';
import { productListMarker, productListQuery, productListSql } from '../shop/queries/product-list.ts';
import { explainProductList } from '../shop/explain.ts';
import { GROUP_ITEM_ID, slotWeekday, hasExtras } from '../datasets/hot-series.ts';

describe('shop product-list queries (tiny)', () => {
  let ds: Awaited<ReturnType<typeof testDataset>>;
  let pool: pg.Pool;
  let event: EventInfo;

  before(async () => {
    ds = await testDataset(ownDataDir(import.meta.url));
    pool = new pg.Pool({ connectionString: ds.db.url, max: 2 });
    pool.on('error', () => {}); // an idle client cut off when the test server stops is no test failure
    event = await loadEvent(pool, 'citymuseum', 'timeslots');
  });
  after(async () => {
    await pool?.end();
    await ds?.close();
  });

  it('tags each variant with its own marker comment right after SELECT, and binds the same parameters', () => {
    for (const v of ['before', 'after'] as const) {
      assert.ok(productListSql[v].startsWith(`SELECT ${productListMarker(v)} `));
      assert.deepEqual(productListQuery(v, { eventId: 1, subeventId: 7, channelId: 3 }).values, [1, 3, 7]);
    }
    assert.match(productListSql.before, /HAVING COUNT\(qi\.quota_id\) > 0/);
    assert.match(productListSql.after, /q\.subevent_id = \$3/);
  });

  it('gives identical product lists for every date of the series', async () => {
    const m = ds.result.manifest;
    let compared = 0;
    const client = await pool.connect();
    try {
      for (let s = m.hot_subevent_first; s <= m.hot_subevent_last; s++) {
        const b = await loadProductPage(client, 'before', event, s);
        const a = await loadProductPage(client, 'after', event, s);
        assert.deepEqual(a.products, b.products, `date ${s}`);
        // a constant number of statements, whatever the date
        assert.equal(a.queries, b.queries);
        assert.ok(a.queries <= 6, `date ${s} took ${a.queries} queries`);
        const index = s - m.hot_subevent_first;
        const ids = a.products.map((p) => p.id);
        // Monday: Group tickets disabled through SubEventItem; extras only where the date has their quota
        assert.equal(ids.includes(GROUP_ITEM_ID), slotWeekday(index) !== 0, `date ${s}: group item`);
        assert.equal(ids.includes(6), hasExtras(index), `date ${s}: extras`);
        assert.ok(
          !ids.includes(5) && !ids.includes(8) && !ids.includes(9),
          `date ${s}: hidden, add-on or inactive item listed`,
        );
        compared++;
      }
    } finally {
      client.release();
    }
    assert.equal(compared, m.dates);
  });

  it('applies date price overrides: weekend Adult surcharge, the guided tour at the standard price on the first Sunday slot', async () => {
    const m = ds.result.manifest;
    const saturday = m.hot_subevent_first + 5 * 40;
    const sunday = m.hot_subevent_first + 6 * 40;
    const monday = m.hot_subevent_first;
    const sat = await loadProductPage(pool, 'after', event, saturday);
    const adultSat = sat.products.find((p) => p.id === 1)!;
    assert.equal(
      adultSat.variations[0].price,
      '16.00',
      'Standard falls back to the item price, overridden on weekends',
    );
    assert.equal(adultSat.variations[1].price, '18.00', 'a variation with its own price keeps it');
    const sun = await loadProductPage(pool, 'after', event, sunday);
    assert.equal(sun.products.find((p) => p.id === 1)!.variations[1].price, '14.00');
    const mon = await loadProductPage(pool, 'after', event, monday);
    assert.equal(mon.products.find((p) => p.id === 1)!.variations[0].price, '14.00');
  });

  it('explains both variants with figures and a saved plan', async () => {
    const dir = path.join(os.tmpdir(), `loadlab-explain-${process.pid}`);
    try {
      const mid = ds.result.manifest.hot_subevent_first + 150;
      const figures = [];
      for (const v of ['before', 'after'] as const) {
        const planFile = path.join(dir, `${v}.json`);
        const e = await explainProductList(ds.db.url, v, mid, { planFile });
        assert.equal(e.variant, v);
        assert.equal(e.subevent_id, mid);
        assert.ok(e.execution_ms > 0);
        assert.ok(e.buffers_touched > 0);
        assert.equal(e.buffers_touched, e.shared_hit + e.shared_read + e.temp_read + e.temp_blocks_written);
        assert.ok(existsSync(planFile));
        const saved = JSON.parse(readFileSync(planFile, 'utf8'));
        assert.equal(saved.buffers_touched, e.buffers_touched);
        assert.ok(saved.plan.Plan['Node Type']);
        assert.ok(saved.sql.startsWith(`SELECT ${productListMarker(v)} `));
        figures.push(e);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
