import { AsyncLocalStorage } from 'node:async_hooks';
import type { FastifyInstance, RouteHandlerMethod } from 'fastify';
import pg from 'pg';

/**
 * The shop stops working for a visitor who has left. A visitor gives up at the load balancer's timeout and closes
 * the connection; from then on nothing the shop does for that request can reach anyone. Without this, the
 * database finishes every abandoned product list: under overload the work for nobody grows until the queue for a
 * connection reaches the timeout and every page fails, so how many fail depends on how long the overload lasted,
 * not on how large it was. With it, the statement running for a gone visitor is cancelled (PostgreSQL's cancel
 * request, as psql's Ctrl-C sends) and the request issues no further statement, as a deployment does that ties its
 * statements to the request's deadline.
 */
interface RequestLife {
  gone: boolean;
  readonly whenGone: Set<() => void>;
}

const current = new AsyncLocalStorage<RequestLife>();

/** What a request whose visitor left gets instead of its next statement: nobody will read the answer. */
export class ClientGone extends Error {
  readonly code = 'CLIENT_GONE';
  constructor() {
    super('the visitor closed the connection before the answer');
    this.name = 'ClientGone';
  }
}

const leftEarly = new WeakSet<object>();

/** True when this response's visitor closed the connection before the answer was written. */
export function visitorLeft(raw: object): boolean {
  return leftEarly.has(raw);
}

/**
 * Runs every route's handler (registered after this call) knowing whether its visitor is still there: a response
 * closed before it was finished means the connection went away. `onLeft` hears of each such request with the
 * number of statements that were cancelled for it.
 */
export function followClients(app: FastifyInstance, onLeft: (cancelled: number) => void): void {
  app.addHook('onRoute', (route) => {
    const handler = route.handler as RouteHandlerMethod;
    route.handler = function (this: FastifyInstance, req, reply) {
      const life: RequestLife = { gone: false, whenGone: new Set() };
      reply.raw.once('close', () => {
        if (reply.raw.writableFinished) return;
        life.gone = true;
        leftEarly.add(reply.raw);
        onLeft(life.whenGone.size);
        for (const fn of life.whenGone) fn();
      });
      return current.run(life, () => handler.call(this, req, reply));
    } as RouteHandlerMethod;
  });
}

// Clients a cancel was sent on. A cancel request travels on a connection of its own and may arrive after the
// statement ended, and then it cancels whatever that backend runs next: such a client must not serve anyone else.
const cancelledClients = new WeakSet<object>();

/** True when a cancel was sent on this client: return it to the pool destroyed, not for reuse. */
export function wasCancelled(client: object): boolean {
  return cancelledClients.has(client);
}

type Query = (...args: unknown[]) => unknown;

interface CancellableClient {
  query: Query;
  processID?: number | null;
  secretKey?: number | null;
  host?: string;
  port?: number;
}

/** The part of pg's protocol connection a cancel request needs (its typings leave these out). */
interface CancelConnection {
  on(event: 'error' | 'connect', fn: () => void): void;
  connect(portOrPath: number | string, host?: string): void;
  cancel(processId: number, secretKey: number): void;
  end(): void;
}

/** PostgreSQL's cancel request for the statement this client's backend runs: a short connection of its own. */
function sendCancel(client: CancellableClient): void {
  if (!client.processID || !client.secretKey || !client.port) return;
  cancelledClients.add(client);
  const con = new pg.Connection() as unknown as CancelConnection;
  // a cancel that cannot be delivered leaves the statement to run to its end, as before: nothing else to do
  con.on('error', () => {});
  con.on('connect', () => {
    con.cancel(client.processID as number, client.secretKey as number);
    con.end();
  });
  const host = client.host ?? '127.0.0.1';
  if (host.startsWith('/')) con.connect(`${host}/.s.PGSQL.${client.port}`);
  else con.connect(client.port, host);
}

function settles(v: unknown): v is Promise<unknown> {
  return typeof (v as { then?: unknown })?.then === 'function';
}

/**
 * Wraps one client's query: a statement of a request whose visitor left is not sent, and one running when the
 * visitor leaves is cancelled. A COMMIT is never cancelled (its outcome must stay knowable), and a ROLLBACK always
 * runs. The callback form is left alone: pg-pool's own pool.query uses it from whichever request released a client,
 * so the request found there may not be the caller's (the shop's pages and carts check clients out instead).
 */
function guardClient(client: CancellableClient): void {
  const original = client.query;
  client.query = function (this: CancellableClient, ...args: unknown[]) {
    const life = current.getStore();
    if (!life) return original.apply(this, args);
    const callback = typeof args.at(-1) === 'function';
    const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: unknown } | null)?.text;
    // a ROLLBACK only frees what the request held: it runs even for a visitor who left
    const rollback = typeof text === 'string' && /^\s*ROLLBACK\b/i.test(text);
    if (life.gone && !callback && !rollback) return Promise.reject(new ClientGone());
    const result = original.apply(this, args);
    const commit = typeof text === 'string' && /^\s*COMMIT\b/i.test(text);
    if (callback || rollback || commit || !settles(result)) return result;
    const cancel = () => sendCancel(this);
    life.whenGone.add(cancel);
    return result.finally(() => life.whenGone.delete(cancel));
  };
}

/** Every client the pool opens follows its request's visitor (pool.query runs on such a client too). */
export function followClientsOnPool(pool: pg.Pool): void {
  pool.on('connect', (client) => guardClient(client as unknown as CancellableClient));
}
