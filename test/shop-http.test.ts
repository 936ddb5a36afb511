// The shop over real HTTP on loopback against the tiny dataset: pages render, user mistakes are 4xx with a
// message (never 500), cart and checkout work, metrics and health answer. Rows written here are removed after.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { ownDataDir, testDataset } from './helpers/db.ts';
import { HOT_ITEMS, GROUP_ITEM_ID, slotWeekday, hasExtras } from '../datasets/hot-series.ts';
import { startShop, type RunningShop } from '../shop/server.ts';
import { withClient } from '../shop/db.ts';

const CART_PREFIX = 'test-http-';

async function post(url: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: Record<string, unknown> = {};
  try {
    json = JSON.parse(text);
  } catch {
    json = { raw: text };
  }
  return { status: res.status, json };
}

interface Row {
  item: number;
  variation: number | null;
  available: string;
  max: number;
  price: string;
}

/** rows a date's page lists: every variation of the listed admission products (no Group tickets on Mondays), plus extras every third slot */
function expectedRows(index: number): number {
  let n = 0;
  for (const it of HOT_ITEMS) {
    if (it.active === false || it.hideWithoutVoucher || it.categoryId === 3) continue;
    if (it.id === GROUP_ITEM_ID && slotWeekday(index) === 0) continue;
    if (it.quota === 'extras' && !hasExtras(index)) continue;
    n += Math.max(1, it.variations.length);
  }
  return n;
}

function parseRows(html: string): Row[] {
  return [
    ...html.matchAll(
      /class="product" data-item="(\d+)" data-variation="(\d*)" data-available="([^"]*)" data-max="(\d+)" data-price="([^"]*)"/g,
    ),
  ].map((m) => ({
    item: Number(m[1]),
    variation: m[2] ? Number(m[2]) : null,
    available: m[3],
    max: Number(m[4]),
    price: m[5],
  }));
}

describe('shop over HTTP (tiny)', () => {
  let ds: Awaited<ReturnType<typeof testDataset>>;
  let shops: Record<'before' | 'after', RunningShop>;
  let db: pg.Client;
  const orderCodes: string[] = [];

  before(async () => {
    ds = await testDataset(ownDataDir(import.meta.url));
    db = new pg.Client(ds.db.url);
    await db.connect();
    shops = {
      before: await startShop({ databaseUrl: ds.db.url, variant: 'before', poolSize: 4 }),
      after: await startShop({ databaseUrl: ds.db.url, variant: 'after', poolSize: 4 }),
    };
  });
  after(async () => {
    await shops?.before.close();
    await shops?.after.close();
    if (db) {
      await db.query(`DELETE FROM pretixbase_cartposition WHERE cart_id LIKE '${CART_PREFIX}%'`);
      await db.query(
        'DELETE FROM pretixbase_orderposition WHERE order_id IN (SELECT id FROM pretixbase_order WHERE organizer_id = 1 AND code = ANY($1))',
        [orderCodes],
      );
      await db.query('DELETE FROM pretixbase_order WHERE organizer_id = 1 AND code = ANY($1)', [orderCodes]);
      await db.end();
    }
    await ds?.close();
  });

  const base = (v: 'before' | 'after' = 'after') => `${shops[v].url}/citymuseum/timeslots`;

  it('renders the calendar with 50 date links a page and paging links', async () => {
    const res = await fetch(`${base()}/`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/html/);
    const html = await res.text();
    const links = [...html.matchAll(/<a href="\/citymuseum\/timeslots\/(\d+)\/">/g)].map((m) => Number(m[1]));
    assert.equal(links.length, 50);
    assert.equal(links[0], ds.result.manifest.hot_subevent_first);
    assert.match(html, /rel="next" href="\/citymuseum\/timeslots\/\?page=2"/);
    const last = await (await fetch(`${base()}/?page=6`)).text();
    assert.equal([...last.matchAll(/class="date"/g)].length, 50);
    assert.doesNotMatch(last, /rel="next"/);
    const beyond = await fetch(`${base()}/?page=7`);
    assert.equal(beyond.status, 200);
    assert.match(await beyond.text(), /No upcoming dates/);
  });

  it('renders the same product page in both variants, with parseable rows', async () => {
    for (const s of [1, 2, 201, 241]) {
      const pages = await Promise.all(
        (['before', 'after'] as const).map(async (v) => {
          const res = await fetch(`${base(v)}/${s}/`);
          assert.equal(res.status, 200, `${v} date ${s}`);
          return res.text();
        }),
      );
      assert.equal(pages[0], pages[1], `date ${s}`);
      const rows = parseRows(pages[0]);
      assert.equal(rows.length, expectedRows(s - 1), `date ${s}: ${rows.length} rows`);
      for (const r of rows) {
        assert.match(r.price, /^\d+\.\d\d$/);
        assert.match(r.available, /^\d+$/);
      }
    }
    const sat = parseRows(await (await fetch(`${base()}/201/`)).text());
    assert.equal(sat.find((r) => r.item === 1 && r.variation === 1)?.price, '16.00');
  });

  it('escapes text into the page', async () => {
    await db.query(`UPDATE pretixbase_subevent SET name = '{"en": "<script>x</script> & co"}' WHERE id = 3`);
    try {
      const html = await (await fetch(`${base()}/3/`)).text();
      assert.ok(html.includes('&lt;script&gt;x&lt;/script&gt; &amp; co'));
      assert.ok(!html.includes('<script>x'));
    } finally {
      await db.query(
        `UPDATE pretixbase_subevent SET name = '{"en": "Admission 09:30", "de": "Eintritt 09:30"}' WHERE id = 3`,
      );
    }
  });

  it('answers 404 pages for unknown organizers, events, dates and malformed ids', async () => {
    for (const p of [
      '/nobody/timeslots/',
      '/citymuseum/nothing/',
      '/citymuseum/timeslots/999999/',
      '/citymuseum/timeslots/abc/',
      '/citymuseum/timeslots/0/',
      '/citymuseum/timeslots/99999999999/',
      '/citymuseum/timeslots/1/extra/',
      '/no/where/at/all/here',
    ]) {
      const res = await fetch(`${shops.after.url}${p}`);
      assert.equal(res.status, 404, p);
      assert.match(res.headers.get('content-type') ?? '', /text\/html/, p);
    }
    const page = await fetch(`${base()}/?page=abc`);
    assert.equal(page.status, 400);
    const redirect = await fetch(`${base()}`, { redirect: 'manual' });
    assert.equal(redirect.status, 301);
    assert.equal(redirect.headers.get('location'), '/citymuseum/timeslots/');
  });

  it('rejects bad cart adds with 4xx and a clear message', async () => {
    const add = (body: unknown, s = 2) => post(`${base()}/${s}/cart/add`, body);
    const cart = `${CART_PREFIX}bad`;
    const cases: [unknown, number, RegExp, number?][] = [
      [{ cart_id: cart, item: 1, variation: 1, count: 0 }, 400, /count/],
      [{ cart_id: cart, item: 1, variation: 1, count: -3 }, 400, /count/],
      [{ cart_id: cart, item: 1, variation: 1, count: 11 }, 400, /count/],
      [{ cart_id: cart, item: 1, variation: 1, count: 1.5 }, 400, /count/],
      [{ cart_id: cart, item: 'one', variation: 1, count: 1 }, 400, /item/],
      [{ cart_id: cart, item: -1, variation: 1, count: 1 }, 400, /item/],
      [{ cart_id: 5, item: 1, variation: 1, count: 1 }, 400, /cart_id/],
      [{ cart_id: cart, item: 424242, variation: null, count: 1 }, 404, /item 424242/],
      [{ cart_id: cart, item: 1, variation: 4, count: 1 }, 400, /belongs to another item/],
      [{ cart_id: cart, item: 1, variation: 999999, count: 1 }, 404, /variation/],
      [{ cart_id: cart, item: 1, variation: null, count: 1 }, 400, /variations/],
      [{ cart_id: cart, item: 6, variation: 3, count: 1 }, 400, /no variations/, 1],
      [{ cart_id: cart, item: 5, variation: null, count: 1 }, 400, /not on sale/],
      [{ cart_id: cart, item: 8, variation: null, count: 1 }, 400, /add-on/],
      [{ cart_id: cart, item: 9, variation: null, count: 1 }, 400, /not on sale/],
      [{ cart_id: cart, item: 6, variation: null, count: 1 }, 400, /not sold on this date/],
      [{ cart_id: cart, item: 4, variation: 10, count: 1 }, 400, /not sold on this date/, 1],
      [[1, 2], 400, /JSON object/],
      ['{"cart_id": ', 400, /JSON/],
    ];
    for (const [body, status, message, date] of cases) {
      const r = await add(body, date);
      assert.equal(r.status, status, `${JSON.stringify(body)} -> ${JSON.stringify(r.json)}`);
      assert.match(String(r.json.error), message, JSON.stringify(body));
    }
    assert.equal((await add({ cart_id: cart, item: 1, variation: 1, count: 1 }, 999999)).status, 404);
    assert.equal(
      (await post(`${shops.after.url}/nobody/timeslots/2/cart/add`, { cart_id: cart, item: 1, variation: 1, count: 1 }))
        .status,
      404,
    );
    const other = await post(`${base()}/2/cart/add`, 'x=1');
    assert.ok(other.status >= 400 && other.status < 500);
  });

  it('adds to a cart, refuses beyond availability (409), and checks out into a pending order', async () => {
    const s = 5;
    const rowsBefore = parseRows(await (await fetch(`${base()}/${s}/`)).text());
    const left = Number(rowsBefore.find((r) => r.item === 2 && r.variation === 3)!.available);
    const cart = `${CART_PREFIX}flow`;
    const ok = await post(`${base()}/${s}/cart/add`, { cart_id: cart, item: 2, variation: 3, count: 2 });
    assert.equal(ok.status, 200, JSON.stringify(ok.json));
    assert.equal(ok.json.cart_id, cart);
    const positions = ok.json.positions as { id: number; item: number; variation: number; expires: string }[];
    assert.equal(positions.length, 2);
    assert.equal(positions[0].item, 2);
    assert.equal(positions[0].variation, 3);
    const minutes = (Date.parse(positions[0].expires) - Date.now()) / 60_000;
    assert.ok(minutes > 28 && minutes <= 30.5, `expires in ${minutes} min`);
    const after = parseRows(await (await fetch(`${base('before')}/${s}/`)).text());
    assert.equal(Number(after.find((r) => r.item === 2 && r.variation === 3)!.available), left - 2);

    // shrink the quota to what is taken: the next add is refused
    const { rows } = await db.query<{ id: number; size: number }>(
      `SELECT q.id, q.size FROM pretixbase_quota q WHERE q.subevent_id = $1 AND q.name LIKE 'Admission%'`,
      [s],
    );
    await db.query('UPDATE pretixbase_quota SET size = size - $2 WHERE id = $1', [rows[0].id, left - 2]);
    try {
      const full = await post(`${base()}/${s}/cart/add`, {
        cart_id: `${CART_PREFIX}other`,
        item: 1,
        variation: 1,
        count: 1,
      });
      assert.equal(full.status, 409);
      assert.match(String(full.json.error), /sold out/);
      const page = parseRows(await (await fetch(`${base()}/${s}/`)).text());
      assert.ok(page.every((r) => r.item > 5 || (r.available === '0' && r.max === 0)));

      // the cart's own reservation still counts for it at checkout
      assert.equal((await post(`${base()}/checkout`, { cart_id: cart, email: 'not-an-email' })).status, 400);
      assert.equal(
        (await post(`${base()}/checkout`, { cart_id: `${CART_PREFIX}nothing`, email: 'a@example.org' })).status,
        404,
      );
      const order = await post(`${base()}/checkout`, { cart_id: cart, email: 'visitor@example.org' });
      assert.equal(order.status, 200, JSON.stringify(order.json));
      orderCodes.push(String(order.json.order_code));
      assert.match(String(order.json.order_code), /^[A-Z0-9]{5}$/);
      assert.equal(order.json.total, '18.00');
      const o = await db.query(
        `SELECT o.status, o.email, count(op.id)::int AS n FROM pretixbase_order o JOIN pretixbase_orderposition op ON op.order_id = o.id
                                 WHERE o.organizer_id = 1 AND o.code = $1 GROUP BY o.id`,
        [order.json.order_code],
      );
      assert.deepEqual(o.rows[0], { status: 'n', email: 'visitor@example.org', n: 2 });
      assert.equal((await db.query('SELECT 1 FROM pretixbase_cartposition WHERE cart_id = $1', [cart])).rowCount, 0);
      assert.equal((await post(`${base()}/checkout`, { cart_id: cart, email: 'visitor@example.org' })).status, 404);

      // an expired cart whose places were taken meanwhile cannot be checked out
      await db.query('UPDATE pretixbase_quota SET size = size + 1 WHERE id = $1', [rows[0].id]);
      const late = `${CART_PREFIX}late`;
      assert.equal(
        (await post(`${base()}/${s}/cart/add`, { cart_id: late, item: 1, variation: 1, count: 1 })).status,
        200,
      );
      await db.query(`UPDATE pretixbase_cartposition SET expires = now() - interval '1 minute' WHERE cart_id = $1`, [
        late,
      ]);
      assert.equal(
        (await post(`${base()}/${s}/cart/add`, { cart_id: `${CART_PREFIX}early`, item: 1, variation: 1, count: 1 }))
          .status,
        200,
      );
      const refused = await post(`${base()}/checkout`, { cart_id: late, email: 'late@example.org' });
      assert.equal(refused.status, 409, JSON.stringify(refused.json));
    } finally {
      await db.query('UPDATE pretixbase_quota SET size = $2 WHERE id = $1', [rows[0].id, rows[0].size]);
    }
  });

  it('cancels the statement of a visitor who left, and issues none after it', async () => {
    // a product list blocked on a lock waits until something ends it: only a cancel can, before the lock goes
    const holder = new pg.Client(ds.db.url);
    await holder.connect();
    const waiting = async () =>
      (
        await db.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'loadlab-shop' AND wait_event_type = 'Lock'",
        )
      ).rows[0].n;
    const until = async (what: string, ok: () => Promise<boolean>) => {
      const end = Date.now() + 5000;
      while (!(await ok())) {
        assert.ok(Date.now() < end, `${what} within 5 s`);
        await new Promise((r) => setTimeout(r, 25));
      }
    };
    const metric = async (name: string) =>
      Number(
        (await (await fetch(`${shops.before.url}/metrics`)).text()).match(new RegExp(`${name}\\{[^}]*\\} (\\d+)`))?.[1],
      );
    try {
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE pretixbase_quota IN ACCESS EXCLUSIVE MODE');
      const left = new AbortController();
      const page = fetch(`${base('before')}/${ds.result.manifest.hot_subevent_first}/`, { signal: left.signal }).catch(
        (e: Error) => e.name,
      );
      await until('the product list waits on the lock', async () => (await waiting()) === 1);
      // still waiting while its visitor is there: what ends the wait below is the visitor leaving
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(await waiting(), 1);
      left.abort();
      assert.equal(await page, 'AbortError');
      await until('the statement is cancelled', async () => (await waiting()) === 0);
      assert.equal(await metric('shop_visitor_left_total'), 1);
      assert.equal(await metric('shop_statements_cancelled_total'), 1);
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
    // the cancelled client was not handed to anyone: the next visitor's page renders
    const next = await fetch(`${base('before')}/${ds.result.manifest.hot_subevent_first}/`);
    assert.equal(next.status, 200);
    assert.doesNotMatch(await (await fetch(`${shops.before.url}/metrics`)).text(), /status="500"/);
  });

  it('a read that queued for a server the reads left since runs on the new one, as Django routes per query', async () => {
    // two one-connection pools, told apart by the name each connection gives the server
    const pools = Object.fromEntries(
      (['old', 'new'] as const).map((n) => [
        n,
        new pg.Pool({ connectionString: ds.db.url, max: 1, application_name: n }),
      ]),
    ) as Record<'old' | 'new', pg.Pool>;
    let reads: 'old' | 'new' = 'old';
    const ranOn = () =>
      withClient(
        () => pools[reads],
        async (c) => (await c.query<{ n: string }>("SELECT current_setting('application_name') AS n")).rows[0].n,
      );
    try {
      assert.equal(await ranOn(), 'old');
      // the old pool's one connection is busy: the next read queues for it, then the reads move
      const busy = await pools.old.connect();
      const queued = ranOn();
      await new Promise((r) => setImmediate(r));
      assert.equal(pools.old.waitingCount, 1, 'the read waits for the old server');
      reads = 'new';
      busy.release();
      assert.equal(await queued, 'new');
      // without a move it stays where it queued
      const busy2 = await pools.new.connect();
      const stays = ranOn();
      busy2.release();
      assert.equal(await stays, 'new');
    } finally {
      await Promise.all(Object.values(pools).map((p) => p.end()));
    }
  });

  it('serves health, metrics and 404 for unknown routes', async () => {
    const h = await fetch(`${shops.after.url}/healthz`);
    assert.equal(h.status, 200);
    assert.equal((await h.text()).trim(), 'ok');
    const m = await (await fetch(`${shops.after.url}/metrics`)).text();
    assert.match(m, /shop_http_requests_total\{variant="after",route="product-list",method="GET",status="200"\} \d+/);
    assert.match(m, /shop_http_request_duration_seconds_bucket\{variant="after",route="calendar",le="\+Inf"\} \d+/);
    assert.match(m, /shop_db_pool_connections\{variant="after",state="in_use"\} \d+/);
    assert.match(m, /shop_db_pool_waiting\{variant="after"\} 0/);
    assert.equal((await fetch(`${shops.after.url}/nothing`)).status, 404);
    assert.equal((await post(`${shops.after.url}/nothing`, {})).status, 404);
    assert.doesNotMatch(m, /status="500"/);
  });
});
