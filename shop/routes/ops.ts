import type { FastifyInstance } from 'fastify';
import type { ShopContext } from '../context.ts';

export const HEALTH_TIMEOUT_MS = 2000;

export function opsRoutes(app: FastifyInstance, ctx: ShopContext): void {
  // SELECT 1 on a pool of its own: answers "is the database reachable" even while the main pool is saturated
  app.get('/healthz', { config: { name: 'healthz', kind: 'text' } }, async (_req, reply) => {
    await ctx.healthPool.query('SELECT 1');
    for (const check of ctx.healthChecks) await check();
    return reply.type('text/plain; charset=utf-8').send('ok\n');
  });

  app.get('/metrics', { config: { name: 'metrics', kind: 'text' } }, async (_req, reply) => {
    const p = ctx.pool;
    const body = ctx.metrics.render({
      total: p.totalCount,
      idle: p.idleCount,
      waiting: p.waitingCount,
      max: ctx.poolSize,
    });
    return reply.type('text/plain; version=0.0.4; charset=utf-8').send(body);
  });
}
