/**
 * Each server of the platform, every second, from its own statistics: temp bytes written (pg_stat_database counts
 * per server, a standby's own reads included), client statements running, product-list calls, and on a replica
 * how far its replay lags. A server that goes away (a restart, a kill) is read again once it answers.
 *
 * pg_stat_database counts a query's temp bytes when the query ends: a 10 s spill started before a move shows on
 * the old server after it. So for a server of ours the bytes its processes write are also read from /proc as they
 * are written (the spills are nearly all of them here); that is the figure the day's periods use.
 */
import { appendFileSync } from 'node:fs';
import pg from 'pg';
import type { PlatformServer } from '../db/replicas.ts';
import { procSampler, type ProcSampler } from '../stats/sources/proc.ts';

export interface ServerSample {
  t_ms: number;
  server: string;
  temp_bytes: number | null;
  running: number | null;
  product_list_calls: number | null;
  lag_ms: number | null;
  /** bytes the server's processes wrote so far, from /proc (servers of ours); restarts from 0 with a new postmaster */
  write_bytes?: number | null;
}

const APP = 'loadlab-timeline-servers';

const BASE_SQL = `SELECT
  (SELECT temp_bytes::float8 FROM pg_stat_database WHERE datname = current_database()) AS temp,
  (SELECT count(*)::int FROM pg_stat_activity WHERE datname = current_database() AND state = 'active'
      AND backend_type = 'client backend' AND pid <> pg_backend_pid()
      -- the platform's clients, not loadlab's own watchers (this sampler, the DB sampler, diagnose)
      AND (application_name = 'loadlab-shop' OR application_name NOT LIKE 'loadlab-%')) AS running,
  -- replay lag: none when everything received is replayed, else the age of the last transaction replayed
  CASE WHEN NOT pg_is_in_recovery() THEN NULL
       WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0::float8
       ELSE greatest(0, extract(epoch FROM now() - pg_last_xact_replay_timestamp()) * 1000)::float8 END AS lag`;
const CALLS_SQL = `SELECT coalesce(sum(calls), 0)::float8 AS n FROM pg_stat_statements
  WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND query LIKE '%loadlab:product-list%'`;

class Reader {
  private client: pg.Client | undefined;
  private withCalls = true;
  private proc: { pid: number; sampler: ProcSampler } | undefined;

  constructor(readonly server: PlatformServer) {}

  private async connect(): Promise<pg.Client> {
    const c = new pg.Client({
      connectionString: this.server.url,
      application_name: APP,
      connectionTimeoutMillis: 1000,
      query_timeout: 2000,
    });
    c.on('error', () => {
      if (this.client === c) this.client = undefined;
    });
    await c.connect();
    this.client = c;
    return c;
  }

  /** the postmaster's and its children's written bytes (reaped ones included), null when not ours or unreadable */
  private async written(): Promise<number | null> {
    const pid = this.server.pid();
    if (pid === undefined) return null;
    if (this.proc?.pid !== pid) this.proc = { pid, sampler: procSampler({ postmasterPid: pid }) };
    return (await this.proc.sampler.sample())?.write_bytes ?? null;
  }

  async read(): Promise<ServerSample> {
    const t_ms = Date.now();
    const write_bytes = await this.written().catch(() => null);
    try {
      const c = this.client ?? (await this.connect());
      const r = (await c.query<{ temp: number | null; running: number; lag: number | null }>(BASE_SQL)).rows[0];
      let calls: number | null = null;
      if (this.withCalls)
        calls = await c.query<{ n: number }>(CALLS_SQL).then(
          (x) => x.rows[0].n,
          () => {
            this.withCalls = false; // no pg_stat_statements there: the other figures still count
            return null;
          },
        );
      return {
        t_ms,
        server: this.server.name,
        temp_bytes: r.temp,
        running: r.running,
        product_list_calls: calls,
        lag_ms: r.lag,
        write_bytes,
      };
    } catch {
      const c = this.client;
      this.client = undefined;
      void c?.end().catch(() => {});
      return {
        t_ms,
        server: this.server.name,
        temp_bytes: null,
        running: null,
        product_list_calls: null,
        lag_ms: null,
        write_bytes,
      };
    }
  }

  close(): Promise<void> {
    const c = this.client;
    this.client = undefined;
    return c ? c.end().catch(() => {}) : Promise.resolve();
  }
}

/** Samples every server each `intervalMs` into `outFile` (NDJSON) until stop(); stop() returns the samples. */
export function startServerSampler(
  servers: PlatformServer[],
  outFile: string,
  intervalMs = 1000,
): { stop(): Promise<ServerSample[]> } {
  const readers = servers.map((s) => new Reader(s));
  const samples: ServerSample[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const t0 = Date.now();
      const round = await Promise.all(readers.map((r) => r.read()));
      samples.push(...round);
      appendFileSync(outFile, round.map((s) => `${JSON.stringify(s)}\n`).join(''));
      const wait = Math.max(0, intervalMs - (Date.now() - t0));
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, wait);
        t.unref();
      });
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
      await Promise.all(readers.map((r) => r.close()));
      return samples;
    },
  };
}
