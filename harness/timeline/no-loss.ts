/**
 * Nothing lost while the reads moved: every cart add and checkout the shop acknowledged during the operators'
 * moves is looked up on the primary afterwards (as load:partition checks its tasks' writes), once the replicas
 * have replayed all the primary wrote. A cart checked out later has its positions in the order, not the cart.
 */
import pg from 'pg';
import type { PlatformServer } from '../db/replicas.ts';
import type { AcknowledgedWrite } from '../../shop/write-journal.ts';
import type { NoLoss } from './platform-types.ts';

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({
    connectionString: url,
    application_name: 'loadlab-timeline',
    connectionTimeoutMillis: 5000,
  });
  c.on('error', () => {});
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => {});
  }
}

/** polls until every replica has replayed the primary's WAL as of now; false after `maxMs` */
export async function replicasCaughtUp(servers: PlatformServer[], maxMs: number): Promise<boolean> {
  const primary = servers.find((s) => s.role === 'primary')!;
  const lsn = await withClient(
    primary.url,
    async (c) => (await c.query<{ l: string }>('SELECT pg_current_wal_lsn()::text AS l')).rows[0].l,
  );
  const deadline = Date.now() + maxMs;
  for (const r of servers.filter((s) => s.role === 'replica')) {
    const done = await withClient(r.url, async (c) => {
      while (Date.now() < deadline) {
        const { rows } = await c.query<{ ok: boolean }>(
          `SELECT coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, false) AS ok`,
          [lsn],
        );
        if (rows[0].ok) return true;
        await new Promise((res) => setTimeout(res, 100));
      }
      return false;
    }).catch(() => false);
    if (!done) return false;
  }
  return true;
}

export async function checkNoLoss(o: {
  servers: PlatformServer[];
  writes: AcknowledgedWrite[];
  dropped: number;
  fromMs: number;
  toMs: number;
  startMs: number;
}): Promise<NoLoss> {
  const during = o.writes.filter((w) => w.at_ms >= o.fromMs && w.at_ms < o.toMs);
  const checkedOut = new Set(o.writes.filter((w) => w.kind === 'checkout').map((w) => w.cart_id));
  const adds = during.filter((w) => w.kind === 'cart-add');
  const positionIds = adds.filter((w) => !checkedOut.has(w.cart_id)).flatMap((w) => w.position_ids ?? []);
  const codes = during.filter((w) => w.kind === 'checkout').flatMap((w) => (w.order_code ? [w.order_code] : []));
  const caughtUp = await replicasCaughtUp(o.servers, 15_000);
  const primary = o.servers.find((s) => s.role === 'primary')!;
  const found = await withClient(primary.url, async (c) => ({
    positions: (
      await c.query<{ n: number }>('SELECT count(*)::int AS n FROM pretixbase_cartposition WHERE id = ANY($1::int[])', [
        positionIds,
      ])
    ).rows[0].n,
    orders: (
      await c.query<{ n: number }>('SELECT count(*)::int AS n FROM pretixbase_order WHERE code = ANY($1::text[])', [
        codes,
      ])
    ).rows[0].n,
  }));
  const s = (ms: number) => Math.round((ms - o.startMs) / 100) / 10;
  return {
    from_s: s(o.fromMs),
    to_s: s(o.toMs),
    cart_adds: adds.length,
    checkouts: codes.length,
    missing_positions: positionIds.length - found.positions,
    missing_orders: codes.length - found.orders,
    replicas_caught_up: caughtUp,
    unchecked: o.dropped,
  };
}
