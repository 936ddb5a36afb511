import type pg from 'pg';
import type { ShopMetrics } from './metrics.ts';
import type { Variant } from './queries/product-list.ts';
import type { ReadRouter } from './read-routing.ts';
import type { WriteJournal } from './write-journal.ts';

/** What every route needs; one per shop instance, so a process can run several shops (tests do). */
export interface ShopContext {
  variant: Variant;
  /** the primary's pool: carts, orders, everything that writes */
  pool: pg.Pool;
  /** where the GET pages read: a replica's pool, or the primary's */
  reads: ReadRouter;
  /** the cart adds and checkouts acknowledged, for the no-loss check after the operators' moves */
  writes: WriteJournal;
  /** a separate one-connection pool, so /healthz tells "database reachable" apart from "pool saturated" */
  healthPool: pg.Pool;
  metrics: ShopMetrics;
  poolSize: number;
  /** run by /healthz after the database's SELECT 1; a check throws (an HttpError 503) when its part is unreachable */
  healthChecks: HealthCheck[];
}

export type HealthCheck = () => Promise<void>;

export type PageKind = 'html' | 'json' | 'text';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** the route's name in metrics and load-test tags: calendar, product-list, cart-add, checkout, ... */
    name?: string;
    /** how errors are answered on this route */
    kind?: PageKind;
  }
}
