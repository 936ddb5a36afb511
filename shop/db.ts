import os from 'node:os';
import pg from 'pg';
import { followClientsOnPool, wasCancelled } from './client-gone.ts';
import { tagPool } from './tagging.ts';

/** Anything a query can run on: the pool, or one client checked out of it (for a transaction). */
export type Queryable = pg.Pool | pg.ClientBase;

/**
 * The shop's database connections unless told otherwise: one per core. The old product-list query is CPU-bound (it
 * sorts, and spills), so more connections than cores only make each query share a core and take that much longer;
 * with ten on two cores, under overload a product list was cut off half done while the cheap pages behind it passed.
 * With one per core the queue forms in front of the database, in the shop, where its wait is bounded
 * (DEFAULT_ACQUIRE_TIMEOUT_MS), as it forms in front of an application server's workers. The harness sizes
 * temp_file_limit by it.
 */
export const DEFAULT_POOL_SIZE = Math.max(2, os.cpus().length);

export interface PoolOptions {
  databaseUrl: string;
  /** connections, like gunicorn workers x threads; requests beyond it wait in the pool's queue */
  poolSize: number;
  /** how long a request may wait for a connection before it fails with 503 (the load balancer gives up at 10 s) */
  acquireTimeoutMs: number;
  /** server-side limit per statement, so an overloaded query cannot hold a connection forever */
  statementTimeoutMs: number;
  /**
   * client-side limit per query (off by default): a connection whose network went silent answers nothing, so
   * only the client can give up on it. Task workers set it; a web page may wait for the load balancer instead.
   */
  queryTimeoutMs?: number;
  /** server-side limit on a session idle inside a transaction (off by default): frees the locks of a client that went silent */
  idleInTransactionTimeoutMs?: number;
}

// numeric stays a string (money must not pass through floats); int8 counts fit in a number.
pg.types.setTypeParser(pg.types.builtins.INT8, (v: string) => Number(v));

export function createPool(o: PoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: o.databaseUrl,
    max: o.poolSize,
    connectionTimeoutMillis: o.acquireTimeoutMs,
    statement_timeout: o.statementTimeoutMs,
    ...(o.queryTimeoutMs ? { query_timeout: o.queryTimeoutMs } : {}),
    ...(o.idleInTransactionTimeoutMs ? { idle_in_transaction_session_timeout: o.idleInTransactionTimeoutMs } : {}),
    idleTimeoutMillis: 30_000,
    application_name: 'loadlab-shop',
  });
  // An idle client whose server went away emits 'error' on the pool; without a listener that would crash the
  // process. The pool drops the client by itself, and the next request reconnects (or gets a 503).
  pool.on('error', () => {});
  tagPool(pool);
  followClientsOnPool(pool);
  return pool;
}

/**
 * The COMMIT was sent but its answer never came (the connection broke or went silent): the transaction may or
 * may not have committed. Retrying the work could do it twice, so callers must not treat this like a rollback.
 * It keeps the cause's code and message, so it still reads as "database unavailable" where that is all that matters.
 */
export class CommitOutcomeUnknown extends Error {
  readonly code?: string;
  constructor(override readonly cause: unknown) {
    super(`commit outcome unknown: ${(cause as Error)?.message ?? String(cause)}`);
    this.name = 'CommitOutcomeUnknown';
    this.code = (cause as { code?: string })?.code;
  }
}

// The pool listens for a client's 'error' only while the client is idle: a server that goes away while a request
// holds its client between two queries would otherwise crash the shop. That client's next query fails by itself
// (the request gets its 503), and a client that lost its connection is dropped, not reused, when released.
const ignoreError = () => {};

async function checkOut(pool: pg.Pool): Promise<pg.PoolClient> {
  const client = await pool.connect();
  client.on('error', ignoreError);
  return client;
}

/**
 * A client of the pool `route` names when the client is handed over, as Django's database router chooses a server
 * when the query runs: a request that queued for a server the reads have left since (the operators' `reads`
 * switch) runs on the new one. Once: its wait there is bounded like the first, and the visitor leaves at 10 s.
 */
async function checkOutRouted(route: () => pg.Pool): Promise<pg.PoolClient> {
  const pool = route();
  const client = await checkOut(pool);
  if (route() === pool) return client;
  checkIn(client, false);
  return checkOut(route());
}

function checkIn(client: pg.PoolClient, destroy: boolean): void {
  client.off('error', ignoreError);
  // a client a cancel was sent on may still receive it: it must not run another request's statement
  client.release(destroy || wasCancelled(client));
}

/** Runs fn on one client inside BEGIN/COMMIT, rolling back on any error. */
export async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await checkOut(pool);
  let broken = false;
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT').catch((err: Error) => {
      throw isConnectionBroken(err) ? new CommitOutcomeUnknown(err) : err;
    });
    return result;
  } catch (err) {
    // a broken connection cannot take a ROLLBACK (it would only wait for the same silence); the server rolls
    // back when the session ends
    if (err instanceof CommitOutcomeUnknown || (err instanceof Error && isConnectionBroken(err))) broken = true;
    else {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
    }
    throw err;
  } finally {
    // a client whose rollback failed has a dead or confused connection: destroy it instead of reusing it
    checkIn(client, broken);
  }
}

/** Runs fn on one client checked out for the whole request, as a Django request holds its connection. */
export async function withClient<T>(
  pool: pg.Pool | (() => pg.Pool),
  fn: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await (typeof pool === 'function' ? checkOutRouted(pool) : checkOut(pool));
  let failed: unknown;
  try {
    return await fn(client);
  } catch (err) {
    failed = err;
    throw err;
  } finally {
    checkIn(client, failed instanceof Error && isConnectionBroken(failed));
  }
}

/** The connection is gone or went silent (a query read timeout leaves its answer unread on the wire). */
export function isConnectionBroken(err: Error): boolean {
  const code = (err as { code?: string }).code ?? '';
  return (
    code.startsWith('08') ||
    code.startsWith('57P') ||
    code === 'ECONNRESET' ||
    code === 'EPIPE' ||
    /Connection terminated|Query read timeout/.test(err.message)
  );
}
