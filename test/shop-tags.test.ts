// The shop tags every statement with its tenant and route (sqlcommenter), as pretix's do through Django's
// middleware: caught waiting on a lock, the product-list query shows its tags in pg_stat_activity, in full
// (track_activity_query_size), and its fingerprint and name are the untagged statement's.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { ownDataDir, testDataset } from './helpers/db.ts';
import { startShop, type RunningShop } from '../shop/server.ts';
import { productListSql } from '../shop/queries/product-list.ts';
import { tagsOf } from '../shop/sqlcommenter.ts';
import { normaliseStatement } from '../harness/stats/fingerprint.ts';

let ds: Awaited<ReturnType<typeof testDataset>>;
let shop: RunningShop;
let db: pg.Client;
/** holds the lock: a session inside a transaction sees pg_stat_activity as it was when the transaction began */
let locker: pg.Client;

before(async () => {
  ds = await testDataset(ownDataDir(import.meta.url), 'tiny');
  shop = await startShop({ databaseUrl: ds.db.url, variant: 'before', poolSize: 2 });
  db = new pg.Client(ds.db.url);
  await db.connect();
  locker = new pg.Client(ds.db.url);
  await locker.connect();
});
after(async () => {
  await db?.end();
  await locker?.end();
  await shop?.close();
  await ds?.close();
});

test('the product list runs tagged with organizer, event and route', { timeout: 30_000 }, async () => {
  const { rows } = await db.query<{ id: number }>(
    `SELECT s.id FROM pretixbase_subevent s JOIN pretixbase_event e ON e.id = s.event_id
      JOIN pretixbase_organizer o ON o.id = e.organizer_id WHERE o.slug = 'citymuseum' AND e.slug = 'timeslots' LIMIT 1`,
  );
  await locker.query('BEGIN');
  // the product list joins quota_items; the lookups before it do not, so the page stops right at that query
  await locker.query('LOCK TABLE pretixbase_quota_items IN ACCESS EXCLUSIVE MODE');
  const page = fetch(`${shop.url}/citymuseum/timeslots/${rows[0].id}/`);
  let text: string | undefined;
  const deadline = Date.now() + 20_000;
  while (!text && Date.now() < deadline) {
    // no event tells when the shop's statement reached the lock: look, briefly, until it shows
    const r = await db.query<{ query: string }>(
      `SELECT query FROM pg_stat_activity WHERE application_name = 'loadlab-shop' AND wait_event_type = 'Lock'`,
    );
    text = r.rows[0]?.query;
    if (!text) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await locker.query('ROLLBACK');
  assert.equal((await page).status, 200);
  assert.ok(text, 'the product-list query was seen waiting');
  assert.deepEqual(tagsOf(text), { event: 'timeslots', organizer: 'citymuseum', route: 'product-list' });
  assert.match(text, /\/\*event='timeslots',organizer='citymuseum',route='product-list'\*\/$/);
  const n = normaliseStatement(text);
  assert.equal(n.label, 'loadlab:product-list:before');
  assert.equal(n.fingerprint, normaliseStatement(productListSql.before).fingerprint);
});
