import pg from 'pg';
import { describeError } from '../../common/user-error.ts';
import { redact } from '../db/database.ts';
import type { EmbeddedServer } from '../db/embedded.ts';
import { pidAlive } from '../db/server-processes.ts';
import { RunFault } from './fault.ts';

/** One thing the watchdog asks, every tick, whether it is still there. */
export interface Probe {
  /** a fault, or undefined while all is well; `force` asks even when the probe would skip this tick */
  poll(force?: boolean): Promise<RunFault | undefined>;
  close(): void;
}

/** The embedded server: our child's exit (with its signal), or, for a server another command started, its pid. */
export function postmasterProbe(server: EmbeddedServer): Probe {
  return {
    poll: async () => {
      const how =
        server.unexpectedEnd() ?? (!server.owned && !pidAlive(server.pid) ? 'its process is gone' : undefined);
      if (how === undefined) return undefined;
      return new RunFault(
        'postgres',
        `the embedded PostgreSQL (pid ${server.pid}) ended unexpectedly (${how}: the out-of-memory killer, a crash or a kill); the next command starts it again and it recovers its data`,
      );
    },
    close: () => {},
  };
}

/** every 8th tick (2 s) a query; a dropped connection is seen at once and checked with a reconnect */
const PING_EVERY = 8;

/**
 * An external server (DATABASE_URL): one connection held open. Its loss alone is not the server gone (an
 * administrator may end sessions): only a failed reconnect, or a query unanswered for 10 s, is.
 */
export function externalProbe(url: string): Probe {
  let client: pg.Client | undefined;
  let lost = false;
  let ticks = 0;
  let busy = false;
  const drop = () => {
    const c = client;
    client = undefined;
    void c?.end().catch(() => {});
  };
  const connect = async (): Promise<pg.Client> => {
    const c = new pg.Client({
      connectionString: url,
      connectionTimeoutMillis: 3000,
      query_timeout: 10_000,
      application_name: 'loadlab-watchdog',
    });
    c.on('error', () => (lost = true));
    c.on('end', () => (lost = true));
    await c.connect();
    lost = false;
    client = c;
    return c;
  };
  return {
    poll: async (force = false) => {
      if (busy || (!force && !lost && ticks++ % PING_EVERY !== 0)) return undefined;
      busy = true;
      try {
        if (lost) drop();
        await (client ?? (await connect())).query('SELECT 1');
        return undefined;
      } catch (err) {
        drop();
        const why = describeError(err) || String((err as { code?: string }).code ?? err);
        return new RunFault('database', `the database at ${redact(url)} went away (${why})`);
      } finally {
        busy = false;
      }
    },
    close: drop,
  };
}
