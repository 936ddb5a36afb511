import pg from 'pg';
import { UserError } from '../../common/user-error.ts';
import { redact, type Database } from '../db/database.ts';
import { normaliseStatement } from '../stats/fingerprint.ts';

/**
 * pg_stat_statements of one database, read as snapshots: the audit takes one before the journey and one after
 * and keeps the difference, so it never resets statistics someone else (a dashboard, a DBA) relies on.
 */
export interface StatementCounters {
  calls: number;
  rows: number;
  exec_ms: number;
  /** shared + local blocks, hit or read: what the executor touched, whatever was cached */
  blocks: number;
  /** temp blocks read + written: sorts and hashes that spilled to disk */
  temp_blocks: number;
}

export interface StatementEntry extends StatementCounters {
  /** userid:queryid:toplevel, pg_stat_statements' own key */
  key: string;
  query: string;
}

export type Snapshot = Map<string, StatementEntry>;

interface Row {
  userid: string;
  queryid: string | null;
  toplevel?: boolean;
  query: string | null;
  calls: string;
  rows: string;
  total_exec_time?: number;
  total_time?: number;
  shared_blks_hit: string;
  shared_blks_read: string;
  local_blks_hit: string;
  local_blks_read: string;
  temp_blks_read: string;
  temp_blks_written: string;
}

// `*`: the columns differ between versions (total_time before 13, toplevel from 14), the ones read here exist in all
export const SNAPSHOT_SQL = `SELECT s.* FROM pg_stat_statements(true) s
  WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND s.queryid IS NOT NULL`;

export async function snapshotStatements(client: pg.ClientBase): Promise<Snapshot> {
  const { rows } = await client.query<Row>(SNAPSHOT_SQL);
  const snap: Snapshot = new Map();
  for (const r of rows) {
    if (r.toplevel === false) continue;
    const key = `${r.userid}:${r.queryid}:${r.toplevel ?? true}`;
    snap.set(key, {
      key,
      query: r.query ?? '',
      calls: Number(r.calls),
      rows: Number(r.rows),
      exec_ms: Number(r.total_exec_time ?? r.total_time ?? 0),
      blocks:
        Number(r.shared_blks_hit) + Number(r.shared_blks_read) + Number(r.local_blks_hit) + Number(r.local_blks_read),
      temp_blocks: Number(r.temp_blks_read) + Number(r.temp_blks_written),
    });
  }
  return snap;
}

const FIELDS = ['calls', 'rows', 'exec_ms', 'blocks', 'temp_blocks'] as const;

/** What ran between two snapshots. An entry whose calls went down was evicted or reset meanwhile: all of it is new. */
export function statementDelta(before: Snapshot, after: Snapshot): StatementEntry[] {
  const out: StatementEntry[] = [];
  for (const [key, a] of after) {
    const b = before.get(key);
    const fresh = !b || a.calls < b.calls;
    const d: StatementEntry = { ...a };
    if (!fresh) for (const f of FIELDS) d[f] = a[f] - b[f];
    if (d.calls > 0) out.push(d);
  }
  return out;
}

/** Entries summed by fingerprint: one statement may have several queryids (roles, plans of pg_stat_statements' own). */
export function byFingerprint(
  entries: StatementEntry[],
  exclude: ReadonlySet<string> = new Set(),
): Map<string, StatementCounters & { query: string }> {
  const out = new Map<string, StatementCounters & { query: string }>();
  for (const e of entries) {
    const fp = normaliseStatement(e.query).fingerprint;
    if (exclude.has(fp)) continue;
    const sum = out.get(fp) ?? { query: e.query, calls: 0, rows: 0, exec_ms: 0, blocks: 0, temp_blocks: 0 };
    for (const f of FIELDS) sum[f] += e[f];
    out.set(fp, sum);
  }
  return out;
}

/** The audit cannot measure statements without pg_stat_statements: one line that says how to get it. */
export async function requireStatStatements(db: Pick<Database, 'url'>): Promise<void> {
  const client = new pg.Client({ connectionString: db.url, connectionTimeoutMillis: 5000 });
  client.on('error', () => {});
  await client.connect();
  const ok = await client.query(SNAPSHOT_SQL + ' LIMIT 1').then(
    () => true,
    () => false,
  );
  await client.end().catch(() => {});
  if (!ok) {
    throw new UserError(
      `pg_stat_statements is not available in ${redact(db.url)}: the growth audit measures every statement through it (add pg_stat_statements to shared_preload_libraries, restart the server, and CREATE EXTENSION pg_stat_statements as a superuser)`,
    );
  }
}
