import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { AddressInfo } from 'node:net';
import { ClientGone, followClients, visitorLeft } from './client-gone.ts';
import { createPool, DEFAULT_POOL_SIZE } from './db.ts';
import { HttpError, unavailableReason } from './errors.ts';
import { renderError } from './html.ts';
import { ShopMetrics } from './metrics.ts';
import type { HealthCheck, PageKind, ShopContext } from './context.ts';
import type { Variant } from './queries/product-list.ts';
import { cartRoutes, type CartActions } from './routes/cart.ts';
import { HEALTH_TIMEOUT_MS, opsRoutes } from './routes/ops.ts';
import { pageRoutes } from './routes/pages.ts';
import { startAdmin, type AdminOptions, type RunningAdmin } from './admin.ts';
import { ShopSwitches } from './switches.ts';
import { ReadRouter, type ReadServer } from './read-routing.ts';
import { WriteJournal } from './write-journal.ts';
import { tagRoutes } from './tagging.ts';

export interface ShopOptions {
  databaseUrl: string;
  variant: Variant;
  /** database connections (default: DEFAULT_POOL_SIZE, one per core) */
  poolSize?: number;
  /** wait for a free connection at most this long, then 503 (default 9 s: DEFAULT_ACQUIRE_TIMEOUT_MS) */
  acquireTimeoutMs?: number;
  /** PostgreSQL statement_timeout for the shop's connections (default 30 s) */
  statementTimeoutMs?: number;
  /** Fastify's request log on stdout; off by default, it costs throughput under load */
  logger?: boolean;
  /** how cart add and checkout run; default: inside the request (load:partition runs them as queued tasks) */
  cartActions?: CartActions;
  /** what /healthz checks besides the database (load:partition's web workers: the task queue) */
  healthChecks?: HealthCheck[];
  /** the operators' switches (access cut, queue, disabled shops, variant swap); none by default */
  switches?: ShopSwitches;
  /** replicas the GET pages read from (the first by default; the `reads` switch moves them); none: the primary */
  readServers?: ReadServer[];
}

export { DEFAULT_POOL_SIZE };

/**
 * How long a request waits for a connection before the shop answers 503: the load balancer's 10 s less about one
 * product list alone (the old query on the incident preset, one per core), so a page started at the end of its wait
 * can still be answered before its visitor gives up. Waiting the whole 10 s, an overloaded shop started product
 * lists nobody would read: in a run that did (four connections), the old query answered 2.4 product lists/s before
 * its queue reached the timeout and 0.5-0.9/s after, the rest cancelled half done.
 */
export const DEFAULT_ACQUIRE_TIMEOUT_MS = 9_000;

/**
 * Builds the shop as a Fastify app without listening and without process-level side effects (no signal
 * handlers, no globals), so one process can hold several shops. Closing the app ends its pools.
 */
export async function buildShop(opts: ShopOptions): Promise<FastifyInstance> {
  const poolSize = opts.poolSize ?? DEFAULT_POOL_SIZE;
  const pool = createPool({
    databaseUrl: opts.databaseUrl,
    poolSize,
    acquireTimeoutMs: opts.acquireTimeoutMs ?? DEFAULT_ACQUIRE_TIMEOUT_MS,
    statementTimeoutMs: opts.statementTimeoutMs ?? 30_000,
  });
  const healthPool = createPool({
    databaseUrl: opts.databaseUrl,
    poolSize: 1,
    acquireTimeoutMs: HEALTH_TIMEOUT_MS,
    statementTimeoutMs: HEALTH_TIMEOUT_MS,
  });
  const reads = new ReadRouter(pool, opts.readServers ?? [], (url) =>
    createPool({
      databaseUrl: url,
      poolSize,
      acquireTimeoutMs: opts.acquireTimeoutMs ?? DEFAULT_ACQUIRE_TIMEOUT_MS,
      statementTimeoutMs: opts.statementTimeoutMs ?? 30_000,
    }),
  );
  const ctx: ShopContext = {
    variant: opts.variant,
    pool,
    reads,
    writes: new WriteJournal(),
    healthPool,
    metrics: new ShopMetrics(opts.variant),
    poolSize,
    healthChecks: opts.healthChecks ?? [],
  };

  // forceCloseConnections: keep-alive load clients must not keep close() waiting
  const app = Fastify({ logger: opts.logger ?? false, forceCloseConnections: true, bodyLimit: 64 * 1024 });
  app.addHook('onClose', async () => {
    await Promise.all([pool.end(), healthPool.end(), reads.end()]);
  });

  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.config?.name ?? 'not-found';
    ctx.metrics.observe(route, req.method, reply.statusCode, reply.elapsedTime / 1000);
  });

  app.setErrorHandler((err, req, reply) => {
    const kind: PageKind = req.routeOptions.config?.kind ?? 'json';
    // nobody reads this answer; 499 (as nginx logs it) keeps the shop's own counts honest about why it ended
    if (err instanceof ClientGone || visitorLeft(reply.raw))
      return sendError(reply, kind, 499, 'the visitor closed the connection');
    if (err instanceof HttpError) return sendError(reply, kind, err.status, err.message, err.headers);
    const unavailable = unavailableReason(err);
    if (unavailable) return sendError(reply, kind, 503, unavailable, { 'retry-after': '5' });
    // Fastify's own 4xx (malformed JSON, wrong content type, body too large) keep their status and message
    const status = (err as { statusCode?: number }).statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500)
      return sendError(reply, kind, status, (err as Error).message);
    req.log.error(err);
    process.stderr.write(`shop: internal error on ${req.method} ${req.url}: ${(err as Error)?.stack ?? String(err)}\n`);
    return sendError(reply, kind, 500, 'internal server error');
  });

  app.setNotFoundHandler((req: FastifyRequest, reply: FastifyReply) =>
    sendError(
      reply,
      req.method === 'GET' || req.method === 'HEAD' ? 'html' : 'json',
      404,
      `no page at ${req.method} ${req.url.split('?')[0]}`,
    ),
  );

  // before any route: they wrap the handlers registered after them
  tagRoutes(app);
  followClients(app, (cancelled) => ctx.metrics.visitorLeft(cancelled));
  opts.switches?.attach(app, ctx);
  pageRoutes(app, ctx);
  cartRoutes(app, ctx, opts.cartActions);
  opsRoutes(app, ctx);
  await app.ready();
  return app;
}

function sendError(
  reply: FastifyReply,
  kind: PageKind,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): FastifyReply {
  reply.code(status).headers(headers);
  if (kind === 'html') return reply.type('text/html; charset=utf-8').send(renderError(status, message));
  if (kind === 'text') return reply.type('text/plain; charset=utf-8').send(`${message}\n`);
  return reply.type('application/json; charset=utf-8').send({ error: message });
}

export interface StartShopOptions extends Omit<ShopOptions, 'switches'> {
  /** 0 (default) = a free port */
  port?: number;
  /** the operators' switches on a port of their own, behind the run's token; without it the shop has none */
  admin?: AdminOptions;
}

export interface RunningShop {
  /** base URL without trailing slash, e.g. http://127.0.0.1:41234 */
  url: string;
  port: number;
  variant: Variant;
  app: FastifyInstance;
  /** where the switches answer, when started with `admin` */
  admin?: RunningAdmin;
  close(): Promise<void>;
}

/** Builds the shop and listens on loopback only; what the incident orchestration and the benchmark call. */
export async function startShop(opts: StartShopOptions): Promise<RunningShop> {
  const switches = opts.admin ? new ShopSwitches() : undefined;
  const app = await buildShop({ ...opts, switches });
  let admin: RunningAdmin | undefined;
  try {
    await app.listen({ host: '127.0.0.1', port: opts.port ?? 0 });
    if (switches && opts.admin) admin = await startAdmin(switches, opts.admin);
  } catch (err) {
    await app.close();
    throw err;
  }
  const { port } = app.server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    variant: opts.variant,
    app,
    admin,
    close: () => (closing ??= Promise.all([admin?.close(), app.close()]).then(() => undefined)),
  };
}
