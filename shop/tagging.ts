import { AsyncLocalStorage } from 'node:async_hooks';
import type { FastifyInstance, FastifyRequest, RouteHandlerMethod } from 'fastify';
import type pg from 'pg';
import { appendTags, tagsOf, type Tags } from './sqlcommenter.ts';

/**
 * Every statement the shop runs carries its tenant and route as a sqlcommenter comment, as pretix's statements
 * do through Django's sqlcommenter middleware: pg_stat_statements merges a statement's calls of all tenants, so
 * only the statement text as pg_stat_activity shows it can tell an operator whose traffic is hurting. The tags
 * follow the request (or task) through an AsyncLocalStorage; the pool appends them to each statement's text
 * when it is issued, so no query function needs to know about them.
 */
const current = new AsyncLocalStorage<Tags>();

/** Runs fn with these tags on every statement it issues (a queued task runs under its job's tenant). */
export function runTagged<T>(tags: Tags, fn: () => T): T {
  return current.run(tags, fn);
}

type QueryArgs = unknown[];

function tagArgs(args: QueryArgs): QueryArgs {
  const tags = current.getStore();
  if (!tags) return args;
  const [first, ...rest] = args;
  if (typeof first === 'string') return tagsOf(first) ? args : [appendTags(first, tags), ...rest];
  if (first && typeof first === 'object') {
    const config = first as { text?: unknown; name?: unknown; submit?: unknown };
    // a named prepared statement must keep one text per name, and a cursor or stream submits itself
    if (typeof config.text !== 'string' || config.name !== undefined || typeof config.submit === 'function')
      return args;
    if (tagsOf(config.text)) return args;
    return [{ ...config, text: appendTags(config.text, tags) }, ...rest];
  }
  return args;
}

function wrapQuery<Q extends { query: (...a: never[]) => unknown }>(target: Q): void {
  const original = target.query as (...a: QueryArgs) => unknown;
  (target as { query: unknown }).query = function (this: unknown, ...args: QueryArgs) {
    return original.apply(this, tagArgs(args));
  };
}

/**
 * Tags the pool's statements: pool.query at the call (the pool may run it later, from another request's
 * context), and each client's own queries (transactions run on a checked-out client).
 */
export function tagPool(pool: pg.Pool): void {
  wrapQuery(pool);
  pool.on('connect', (client) => wrapQuery(client));
}

function requestTags(req: FastifyRequest, route: string | undefined): Tags {
  const params = (req.params ?? {}) as Record<string, unknown>;
  const tags: Record<string, string> = {};
  if (typeof params.organizer === 'string') tags.organizer = params.organizer;
  if (typeof params.event === 'string') tags.event = params.event;
  if (route) tags.route = route;
  return tags;
}

/** Runs every route's handler (registered after this call) under its request's tags. */
export function tagRoutes(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    const handler = route.handler as RouteHandlerMethod;
    const name = (route.config as { name?: string } | undefined)?.name;
    route.handler = function (this: FastifyInstance, req, reply) {
      return runTagged(requestTags(req, name), () => handler.call(this, req, reply));
    } as RouteHandlerMethod;
  });
}
