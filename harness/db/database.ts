import path from 'node:path';
import dotenv from 'dotenv';
import pg from 'pg';
import { UserError, describeError } from '../../common/user-error.ts';
import { stateDir } from '../files/paths.ts';
import { startEmbedded, type EmbeddedServer } from './embedded.ts';
import { effectiveDataDir } from './server-files.ts';

export interface Database {
  url: string;
  kind: 'embedded' | 'external';
  /** the embedded server, when we run one */
  server?: EmbeddedServer;
  postgresVersion: string;
  /** pg_stat_statements is loaded and its extension exists in this database */
  hasStatStatements: boolean;
  /** the server's temp_file_limit per session (e.g. '6GB', '-1' = none) and how it was chosen */
  tempFileLimit: { setting: string; basis: string };
  close(): Promise<void>;
}

export interface OpenOptions {
  /** a data folder of its own (tests); default LOADLAB_PGDATA or .loadlab/pgdata */
  dataDir?: string;
  /** database on the embedded server (one per dataset, so switching presets never reseeds); ignored with DATABASE_URL */
  database?: string;
  log?: (line: string) => void;
}

let envLoaded = false;
function loadEnv(): void {
  if (envLoaded) return;
  envLoaded = true;
  dotenv.config({ quiet: true });
}

export function defaultDataDir(): string {
  loadEnv();
  return path.resolve(process.env.LOADLAB_PGDATA ?? path.join(stateDir, 'pgdata'));
}

/** Where the embedded server keeps its data, or undefined when DATABASE_URL names a server of the user's own. */
export function localDataDir(): string | undefined {
  loadEnv();
  return process.env.DATABASE_URL?.trim() ? undefined : effectiveDataDir(defaultDataDir());
}

function checkUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UserError(`DATABASE_URL '${raw}' is not a URL (accepted: postgres://user:password@host:port/database)`);
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new UserError(
      `DATABASE_URL scheme '${url.protocol}' is not supported (accepted: postgres:// or postgresql://)`,
    );
  }
  if (!url.pathname || url.pathname === '/') {
    throw new UserError(
      `DATABASE_URL '${redact(url)}' names no database (accepted: postgres://user:password@host:port/database)`,
    );
  }
  return url;
}

export function redact(url: URL | string): string {
  const u = new URL(String(url));
  if (u.password) u.password = '***';
  return u.toString();
}

/** The server the harness works on: DATABASE_URL when set, else the embedded PostgreSQL, started here. */
export async function openDatabase(opts: OpenOptions = {}): Promise<Database> {
  loadEnv();
  const log = opts.log ?? (() => {});
  const external = process.env.DATABASE_URL?.trim();
  let url: string;
  let server: EmbeddedServer | undefined;
  if (external) {
    url = checkUrl(external).toString();
  } else {
    server = await startEmbedded({ dataDir: opts.dataDir ?? defaultDataDir(), database: opts.database, log });
    url = server.url;
  }

  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (err) {
    await server?.stop();
    throw new UserError(
      `cannot connect to DATABASE_URL ${redact(url)}: ${describeError(err) || (err as { code?: string }).code}`,
    );
  }
  let postgresVersion = '';
  let hasStatStatements = false;
  let tempFileLimit = '';
  try {
    const versions = await client.query<{ v: string; t: string }>(
      "SELECT current_setting('server_version') AS v, current_setting('temp_file_limit') AS t",
    );
    postgresVersion = versions.rows[0].v;
    tempFileLimit = versions.rows[0].t;
    hasStatStatements = await ensureStatStatements(client);
    if (!hasStatStatements) {
      log(`note: pg_stat_statements is not available on ${redact(url)}; per-query DB statistics will be null`);
    }
  } finally {
    await client.end();
  }
  return {
    url,
    kind: server ? 'embedded' : 'external',
    server,
    postgresVersion,
    hasStatStatements,
    tempFileLimit: { setting: tempFileLimit, basis: server?.tempFileLimitBasis ?? "the external server's own setting" },
    close: async () => {
      if (server?.owned) await server.stop();
    },
  };
}

async function ensureStatStatements(client: pg.Client): Promise<boolean> {
  // only superusers (and pg_read_all_settings) may read shared_preload_libraries: for anyone else it is unknown
  const preload = await client.query<{ v: string }>("SELECT current_setting('shared_preload_libraries') AS v").then(
    (r) => r.rows[0].v,
    () => null,
  );
  if (
    preload !== null &&
    !preload
      .split(',')
      .map((s) => s.trim())
      .includes('pg_stat_statements')
  )
    return false;
  try {
    await client.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    return true;
  } catch {
    const { rowCount } = await client.query("SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'");
    return (rowCount ?? 0) > 0;
  }
}
