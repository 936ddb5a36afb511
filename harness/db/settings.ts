import { UserError } from '../../common/user-error.ts';

/**
 * Server settings of the embedded PostgreSQL, in one place. work_mem and shared_buffers are PostgreSQL's
 * own defaults, which is what most production installs (pretix's included) run with: the incident's sort
 * spilled to disk precisely because 4MB of work_mem is small next to 30,000 dates of joined rows.
 * Override any of them with LOADLAB_PG_SETTINGS="work_mem=8MB,shared_buffers=256MB".
 */
export const defaultServerSettings: Readonly<Record<string, string>> = {
  work_mem: '4MB',
  shared_buffers: '128MB',
  max_connections: '200',
  shared_preload_libraries: 'pg_stat_statements',
  'pg_stat_statements.track': 'top',
  'pg_stat_statements.max': '5000',
  track_io_timing: 'on',
  // the shop's sqlcommenter tags end its statements, and the product list runs past the default 1024 bytes that
  // pg_stat_activity keeps of a statement: npm run diagnose reads the tenant from there
  track_activity_query_size: '4096',
  // COPY into a table created in the same transaction skips WAL under wal_level=minimal: this makes seeding
  // fast without changing how the queries under test read and spill.
  wal_level: 'minimal',
  max_wal_senders: '0',
  max_wal_size: '4GB',
  checkpoint_timeout: '30min',
  listen_addresses: '127.0.0.1',
  unix_socket_directories: '',
  logging_collector: 'off',
  log_min_messages: 'warning',
};

export function serverSettings(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const settings = { ...defaultServerSettings };
  const raw = env.LOADLAB_PG_SETTINGS?.trim();
  if (!raw) return settings;
  for (const pair of raw.split(',')) {
    const eq = pair.indexOf('=');
    const key = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    if (eq <= 0 || !/^[a-z_.]+$/.test(key) || value === '') {
      throw new UserError(
        `LOADLAB_PG_SETTINGS entry '${pair}' is not name=value (accepted: comma-separated PostgreSQL settings, e.g. work_mem=8MB)`,
      );
    }
    settings[key] = value;
  }
  return settings;
}
