import type pg from 'pg';
import { describeError } from '../../common/user-error.ts';
import { connectForgetful } from './forgetful-client.ts';
import { detectIo, type IoFlavour } from './sources/io.ts';

/** What the server offers the sampler, learned on the first connection. */
export interface Capabilities {
  io: IoFlavour;
  statements: boolean;
}

export const SAMPLER_APPLICATION_NAME = 'loadlab-db-stats';

/**
 * The sampler's ONE connection: made on first use, replaced after a drop (the next sample reconnects), and
 * on the first connection it learns what the server offers and checks the caller's matchers.
 */
export class SamplerConnection {
  private client: pg.Client | undefined;
  /** the sampler's own backend, left out of the /proc sums */
  backendPid: number | undefined;
  capabilities: Capabilities | undefined;

  constructor(
    private readonly url: string,
    private readonly intervalMs: number,
    private readonly regexes: string[],
    private readonly note: (line: string) => void,
  ) {}

  async get(): Promise<pg.Client> {
    if (this.client) return this.client;
    // a dropped connection must not crash the process: the next sample reconnects
    const c = await connectForgetful(
      { connectionString: this.url, connectionTimeoutMillis: 3000, application_name: SAMPLER_APPLICATION_NAME },
      (gone) => {
        if (this.client === gone) this.client = undefined;
      },
    );
    try {
      // a stuck sample must not pile up behind itself
      await c.query(`SET statement_timeout = ${Math.max(1000, this.intervalMs * 5)}`);
      // keep the sampler's own statements out of pg_stat_statements (superuser-only setting: best effort)
      await c.query("SET pg_stat_statements.track = 'none'").catch(() => {});
      this.backendPid = (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
      this.capabilities ??= await this.learn(c);
    } catch (err) {
      await c.end().catch(() => {});
      throw err;
    }
    this.client = c;
    return c;
  }

  /** ends the connection (after a failed sample, or at stop); the next get() makes a new one */
  async drop(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    await c?.end().catch(() => {});
  }

  private async learn(c: pg.Client): Promise<Capabilities> {
    const io = await detectIo(c);
    if (io === 'none') this.note('pg_stat_io does not exist on this server (PostgreSQL < 16); io is null');
    const { rowCount } = await c.query("SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'");
    // the extension can exist without the library preloaded: then reading it fails
    const statements =
      (rowCount ?? 0) > 0 &&
      (await c.query('SELECT 1 FROM pg_stat_statements(false) LIMIT 1').then(
        () => true,
        () => false,
      ));
    if (!statements) this.note('pg_stat_statements is not available in this database; statements is null');
    // a bad matcher is the caller's mistake: say so now rather than in every sample
    for (const re of this.regexes) {
      await c.query("SELECT '' ~ $1", [re]).catch((err) => {
        throw new Error(`queryMatch regex '${re}' is not valid for PostgreSQL: ${describeError(err)}`);
      });
    }
    return { io, statements };
  }
}
