// load:partition's fault links, one of each kind, in front of the real servers: a cut link is silent (clients
// wait until their own timeouts, nothing is refused or reset) and a restored one carries traffic again.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { Redis } from 'ioredis';
import { FaultLink, targetOf, throughLink } from '../harness/partition/fault-link.ts';
import { openRedis, type RedisServer } from '../harness/partition/redis.ts';
import { ownDataDir, testDataset } from './helpers/db.ts';

/** How long a promise took to settle, and how (a rejection's message). */
async function timed(p: Promise<unknown>): Promise<{ ms: number; error: string | null }> {
  const t0 = performance.now();
  try {
    await p;
    return { ms: performance.now() - t0, error: null };
  } catch (err) {
    return { ms: performance.now() - t0, error: (err as Error).message };
  }
}

describe('fault links', () => {
  let ds: Awaited<ReturnType<typeof testDataset>>;
  let redis: RedisServer;
  before(async () => {
    ds = await testDataset(ownDataDir(import.meta.url));
    redis = await openRedis(() => {});
  });
  after(async () => {
    await redis?.stop();
    await ds?.close();
  });

  it('a cut PostgreSQL link stalls queries and new connections until the client gives up, and carries traffic after the restore', async () => {
    const link = await FaultLink.open('test -> postgres', targetOf(ds.db.url, 5432));
    const url = throughLink(ds.db.url, link);
    const client = new pg.Client({ connectionString: url, query_timeout: 1_000 });
    client.on('error', () => {});
    await client.connect();
    try {
      assert.equal((await client.query('SELECT 1 AS one')).rows[0].one, 1);
      link.cut();
      const query = await timed(client.query('SELECT 1'));
      assert.equal(
        query.error,
        'Query read timeout',
        'the query waits for its own timeout: nothing refuses or resets it',
      );
      assert.ok(query.ms >= 900, `the query gave up after ${query.ms.toFixed(0)} ms, not at once`);
      const fresh = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
      fresh.on('error', () => {});
      const connect = await timed(fresh.connect());
      assert.ok(
        connect.error !== null && /timeout/i.test(connect.error) && !/ECONNREFUSED|ECONNRESET/.test(connect.error),
        `a new connection times out: ${connect.error}`,
      );
      assert.ok(connect.ms >= 900, `connect gave up after ${connect.ms.toFixed(0)} ms`);
      assert.equal(link.counts.arrivedWhileCut, 1);

      link.restore();
      const again = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
      await again.connect();
      assert.equal((await again.query('SELECT 2 AS two')).rows[0].two, 2);
      await again.end();
    } finally {
      await client.end().catch(() => {});
      await link.close();
    }
  });

  it('a cut Redis link stalls commands until the client gives up; what was sent meanwhile arrives after the restore, as TCP would deliver it', async () => {
    const link = await FaultLink.open('test -> redis', targetOf(redis.url, 6379));
    const key = `loadlab-test-${process.pid}`;
    const client = new Redis(throughLink(redis.url, link), { commandTimeout: 1_000, maxRetriesPerRequest: 0 });
    client.on('error', () => {});
    try {
      assert.equal(await client.ping(), 'PONG');
      await client.del(key);
      link.cut();
      const set = await timed(client.set(key, 'sent during the cut'));
      assert.equal(set.error, 'Command timed out');
      assert.ok(set.ms >= 900, `the command gave up after ${set.ms.toFixed(0)} ms, not at once`);

      link.restore();
      assert.equal(await client.ping(), 'PONG', 'the same connection carries traffic again');
      // the harness's tasks carry a deadline because of exactly this: a command given up on still arrives
      assert.equal(await client.get(key), 'sent during the cut');
      await client.del(key);
    } finally {
      client.disconnect();
      await link.close();
    }
  });
});
