import type pg from 'pg';
import type { ShopMetrics } from './metrics.ts';
import type { Variant } from './queries/product-list.ts';

/** What every route needs; one per shop instance, so a process can run several shops (tests do). */
export interface ShopContext {
  variant: Variant;
  pool: pg.Pool;
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
