import { timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { HttpError } from './errors.ts';
import { parsePatch, type ShopSwitches } from './switches.ts';

/** A token shorter than this could be guessed; the harness makes 32 random bytes per run. */
export const MIN_TOKEN_LENGTH = 16;

export interface AdminOptions {
  /** the run's secret: every request must carry `Authorization: Bearer <token>` */
  token: string;
  /** 0 (default) = a free port */
  port?: number;
}

export interface RunningAdmin {
  url: string;
  port: number;
  close(): Promise<void>;
}

function authorised(header: string | undefined, token: string): boolean {
  const given = /^Bearer (.+)$/.exec(header ?? '')?.[1] ?? '';
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The operators' switches on a port of their own (127.0.0.1), behind the run's token: the shop's own port has
 * no admin route at all, so load traffic can never flip a switch. GET /switches shows them (with the queue's
 * admission counts), PATCH /switches changes the fields it names, GET /writes lists the writes acknowledged.
 */
export async function startAdmin(switches: ShopSwitches, opts: AdminOptions): Promise<RunningAdmin> {
  if (opts.token.length < MIN_TOKEN_LENGTH)
    throw new Error(`the admin token must be at least ${MIN_TOKEN_LENGTH} characters`);
  const app: FastifyInstance = Fastify({ logger: false, forceCloseConnections: true, bodyLimit: 16 * 1024 });
  app.addHook('onRequest', async (req) => {
    if (!req.headers.authorization)
      throw new HttpError(401, "the switches need the run's token (Authorization: Bearer TOKEN)", {
        'www-authenticate': 'Bearer',
      });
    if (!authorised(req.headers.authorization, opts.token)) throw new HttpError(403, 'wrong token for the switches');
  });
  app.setErrorHandler((err, _req, reply) => {
    const status = err instanceof HttpError ? err.status : ((err as { statusCode?: number }).statusCode ?? 500);
    if (err instanceof HttpError) reply.headers(err.headers);
    return reply.code(status).send({ error: status >= 500 ? 'internal error' : (err as Error).message });
  });
  app.get('/switches', async () => switches.view());
  app.patch('/switches', async (req) => switches.apply(parsePatch(req.body)));
  app.get('/writes', async () => switches.writes());
  try {
    await app.listen({ host: '127.0.0.1', port: opts.port ?? 0 });
  } catch (err) {
    await app.close();
    throw err;
  }
  const { port } = app.server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, port, close: () => app.close() };
}
