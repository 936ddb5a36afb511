// The incident day's platform: a primary and two streaming replicas from the embedded package, and the shop on
// them as pretix ran it (GET pages from a replica, carts and orders on the primary), with the operators' switch
// for where reads go and a restart of one server. Real servers, real HTTP on loopback.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RunFault } from '../harness/guard/fault.ts';
import { Watchdog } from '../harness/guard/watchdog.ts';
import { RunFolder } from '../harness/files/run-folder.ts';
import pg from 'pg';
import { ownDataDir, testDataset } from './helpers/db.ts';
import { postmastersOn } from './helpers/processes.ts';
import { replicaDataDir, startPlatform, type Platform } from '../harness/db/replicas.ts';
import { startShop, type RunningShop } from '../shop/server.ts';
import type { SwitchesView } from '../shop/switches.ts';
import type { AcknowledgedWrite } from '../shop/write-journal.ts';

const TOKEN = 'replicas-test-token-0123456789';
const dataDir = ownDataDir(import.meta.url);
let ds: Awaited<ReturnType<typeof testDataset>>;
let platform: Platform;
let shop: RunningShop;
let hot: string;
// the data folder outlives a run: a cart of this run's own
const CART = `replicas-test-${Date.now().toString(36)}`;

before(async () => {
  ds = await testDataset(dataDir);
  platform = await startPlatform({
    db: ds.db,
    replicas: 2,
    replicaUrls: [],
    database: new URL(ds.db.url).pathname.slice(1),
    log: () => {},
  });
  shop = await startShop({
    databaseUrl: platform.primary.url,
    variant: 'after',
    poolSize: 3,
    readServers: platform.servers.filter((s) => s.role === 'replica'),
    admin: { token: TOKEN },
  });
  hot = `${shop.url}/citymuseum/timeslots/${ds.result.manifest.hot_subevent_first}`;
});
after(async () => {
  await shop?.close();
  await platform?.stop();
  await ds?.close();
});

async function one<T>(url: string, sql: string): Promise<T> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(sql)).rows[0] as T;
  } finally {
    await c.end();
  }
}

/** product-list statements the server ran (pg_stat_statements counts on each server of its own) */
const productLists = (url: string) =>
  one<{ n: number }>(
    url,
    `SELECT coalesce(sum(calls), 0)::int AS n FROM pg_stat_statements WHERE query LIKE '%loadlab:product-list%'`,
  ).then((r) => r.n);

async function admin(method: 'GET' | 'PATCH', path: string, body?: unknown): Promise<Response> {
  return fetch(`${shop.admin!.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** where the product list read, as the servers' own statement counts show it */
async function readsLandOn(): Promise<string[]> {
  const beforeCounts = await Promise.all(platform.servers.map((s) => productLists(s.url)));
  for (let i = 0; i < 3; i++) assert.equal((await fetch(`${hot}/`)).status, 200);
  const afterCounts = await Promise.all(platform.servers.map((s) => productLists(s.url)));
  return platform.servers.filter((_, i) => afterCounts[i] > beforeCounts[i]).map((s) => s.name);
}

/** polls until every replica has replayed the primary's WAL so far (bounded: 20 s) */
async function caughtUp(): Promise<number> {
  const t0 = Date.now();
  const { lsn } = await one<{ lsn: string }>(platform.primary.url, 'SELECT pg_current_wal_lsn()::text AS lsn');
  while (Date.now() - t0 < 20_000) {
    const behind = await Promise.all(
      platform.servers
        .filter((s) => s.role === 'replica')
        .map((s) =>
          one<{ behind: boolean }>(s.url, `SELECT pg_last_wal_replay_lsn() < '${lsn}'::pg_lsn AS behind`).then(
            (r) => r.behind,
          ),
        ),
    );
    if (!behind.includes(true)) return Date.now() - t0;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the replicas did not catch up within 20 s');
}

test('--replicas 0 is the single server the dataset opened: nothing restarted, nothing copied', async () => {
  const single = await startPlatform({ db: ds.db, replicas: 0, replicaUrls: [], database: 'unused', log: () => {} });
  assert.deepEqual(
    single.servers.map((s) => [s.name, s.role, s.url]),
    [['primary', 'primary', ds.db.url]],
  );
  assert.equal(await single.restart('primary'), null);
});

test('the replicas stand by and catch up with a write on the primary', async () => {
  assert.deepEqual(
    platform.servers.map((s) => [s.name, s.role]),
    [
      ['primary', 'primary'],
      ['replica-1', 'replica'],
      ['replica-2', 'replica'],
    ],
  );
  for (const s of platform.servers)
    assert.equal((await one<{ r: boolean }>(s.url, 'SELECT pg_is_in_recovery() AS r')).r, s.role === 'replica');
  const r = await fetch(`${hot}/cart/add`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ cart_id: CART, item: 1, variation: 1, count: 1 }),
  });
  assert.equal(r.status, 200, 'a cart add writes on the primary (a replica would refuse it)');
  await caughtUp();
  for (const s of platform.servers) {
    const { n } = await one<{ n: number }>(
      s.url,
      `SELECT count(*)::int AS n FROM pretixbase_cartposition WHERE cart_id = '${CART}'`,
    );
    assert.equal(n, 1, `${s.name} has the cart position`);
  }
  const { writes } = (await (await admin('GET', '/writes')).json()) as { writes: AcknowledgedWrite[] };
  assert.deepEqual(
    writes.map((w) => [w.kind, w.cart_id]),
    [['cart-add', CART]],
  );
});

test("the reads switch moves the GET pages' reads; a wrong server is refused with the names there are", async () => {
  assert.deepEqual(await readsLandOn(), ['replica-1'], 'reads go to replica-1 by default');
  for (const to of ['replica-2', 'primary', 'replica-1']) {
    const r = await admin('PATCH', '/switches', { reads: to });
    assert.equal(r.status, 200);
    const view = (await r.json()) as SwitchesView;
    assert.equal(view.reads, to);
    assert.deepEqual(view.read_servers, ['replica-1', 'replica-2', 'primary']);
    assert.deepEqual(await readsLandOn(), [to]);
  }
  const bad = await admin('PATCH', '/switches', { reads: 'replica-9', variant: 'before' });
  assert.equal(bad.status, 400);
  assert.match(
    ((await bad.json()) as { error: string }).error,
    /"reads" must be one of replica-1, replica-2, primary, got "replica-9"/,
  );
  const view = (await (await admin('GET', '/switches')).json()) as SwitchesView;
  assert.deepEqual([view.reads, view.variant], ['replica-1', 'after'], 'a refused patch changes nothing');
});

test('a restarted replica comes back as a standby, and the shop reads from it on fresh connections', async () => {
  const pidBefore = platform.servers[1].pid();
  const ms = await platform.restart('replica-1');
  assert.ok(ms !== null && ms > 0);
  assert.notEqual(platform.servers[1].pid(), pidBefore, 'a new postmaster');
  const r = await admin('PATCH', '/switches', { restart: 'replica-1', reads: 'replica-1' });
  assert.equal(r.status, 200);
  // every read succeeds at once: the pool's connections to the old process were replaced, none is reused
  assert.deepEqual(await readsLandOn(), ['replica-1']);
  assert.equal((await one<{ r: boolean }>(platform.servers[1].url, 'SELECT pg_is_in_recovery() AS r')).r, true);
  await caughtUp();
});

test('a replica killed with -9 mid-run is a fault like the others: one line, the run folder marked', async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'loadlab-replicas-'));
  try {
    const folder = RunFolder.create(root, path.join(root, 'run'));
    const watchdog = new Watchdog(() => {});
    watchdog.watchProcess('postgres', 'a PostgreSQL server of the platform', platform.unexpectedEnd);
    const victim = platform.servers[2].pid()!;
    const err = await watchdog
      .run(folder, async (signal) => {
        process.kill(victim, 'SIGKILL');
        // a load that only ends when told to (bounded: the test's own limit)
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, 20_000);
          signal.addEventListener(
            'abort',
            () => {
              clearTimeout(t);
              resolve();
            },
            { once: true },
          );
        });
        signal.throwIfAborted();
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(err instanceof RunFault, String(err));
    assert.equal(err.kind, 'postgres');
    assert.match(
      err.message,
      new RegExp(
        `^run stopped: a PostgreSQL server of the platform ended unexpectedly \\(replica-2, pid ${victim}: killed by SIGKILL\\)`,
      ),
    );
    assert.ok(existsSync(folder.file('INCOMPLETE')));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('the platform stops every server it started', async () => {
  await shop.close();
  await platform.stop();
  const primaryDir = ds.db.server!.dataDir;
  const dirs = [primaryDir, replicaDataDir(primaryDir, 0), replicaDataDir(primaryDir, 1)];
  for (const dir of dirs) {
    assert.ok(existsSync(dir));
    assert.deepEqual(postmastersOn(dir), [], `no postgres left on ${dir}`);
  }
});
