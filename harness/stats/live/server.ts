import { readFileSync } from 'node:fs';
import type pg from 'pg';
import { UserError, describeError } from '../../../common/user-error.ts';
import { connectForgetful } from '../forgetful-client.ts';
import { detectIo, type IoFlavour } from '../sources/io.ts';
import { processCpuMs } from '../sources/proc.ts';
import { normaliseStatement, shortSql } from '../fingerprint.ts';
import { tagsOf } from '../../../shop/sqlcommenter.ts';
import type { ActivitySample, CounterSnapshot, ServerRole, StatementCounters, StatementInfo } from './types.ts';

/** diagnose's own sessions, left out of what it watches (several diagnoses may watch one server) */
export const DIAGNOSE_APPLICATION_NAME = 'loadlab-diagnose';
/** inside every statement of ours (after SELECT: pg_stat_statements drops a leading comment) */
const MARK = '/* loadlab:diagnose */';

/** "host:port/db", how an operator names a server; never the password. */
export function serverName(url: string): string {
  const u = new URL(url);
  return `${u.hostname || 'localhost'}:${u.port || '5432'}${u.pathname || '/'}`;
}

export interface ServerFacts {
  role: ServerRole;
  statements: boolean;
  superuser: boolean;
  user: string;
  version: string;
  /** bytes of a statement pg_stat_activity keeps */
  querySize: number;
  blockSize: number;
}

const ACTIVITY_SQL = (
  withQueryId: boolean,
) => `SELECT ${MARK} ${withQueryId ? 'a.query_id::text' : 'NULL::text'} AS qid,
  a.query, a.wait_event_type, a.wait_event, (extract(epoch FROM clock_timestamp() - a.query_start) * 1000)::float8 AS ms
FROM pg_stat_activity a
WHERE a.state = 'active' AND a.pid <> pg_backend_pid() AND a.backend_type = 'client backend'
  AND a.datid = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND a.application_name IS DISTINCT FROM '${DIAGNOSE_APPLICATION_NAME}'`;

const STATEMENTS_SQL = `SELECT ${MARK} s.queryid::text AS id, sum(s.calls)::float8 AS calls, sum(s.total_exec_time)::float8 AS ms,
  sum(s.shared_blks_hit + s.shared_blks_read + s.local_blks_hit + s.local_blks_read)::float8 AS blocks,
  sum(s.temp_blks_read + s.temp_blks_written)::float8 AS temp, sum(s.temp_blks_written)::float8 AS tw
FROM pg_stat_statements(false) s
WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND s.queryid IS NOT NULL
GROUP BY s.queryid`;

function ioSql(flavour: IoFlavour, op: 'read' | 'write'): string {
  if (flavour === 'bytes') return `(SELECT sum(coalesce(${op}_bytes, 0))::float8 FROM pg_stat_io)`;
  if (flavour === 'op_bytes')
    return `(SELECT sum(coalesce(${op}s, 0) * coalesce(op_bytes, 0))::float8 FROM pg_stat_io)`;
  return 'NULL::float8';
}

const zero = (): StatementCounters => ({ calls: 0, exec_ms: 0, blocks: 0, temp_blocks: 0, temp_written: 0 });

/**
 * One watched server: ONE read-only connection (default_transaction_read_only, a statement timeout) that reads
 * statistics views only, and counts how long its own statements took, so the diagnosis can state its own cost.
 */
export class WatchedServer {
  readonly name: string;
  facts: ServerFacts | undefined;
  private client: pg.Client | undefined;
  private io: IoFlavour = 'none';
  private readonly info = new Map<string, StatementInfo>(); // queryid -> statement
  private readonly own = new Set<string>(); // queryids of diagnose's own statements
  /** ms spent waiting for our own statements' answers (round trips) */
  ownMs = 0;
  /** server-side execution ms of our own statements, from pg_stat_statements (null without it) */
  ownExecMs: number | null = null;
  /** our statements' cumulative exec ms at the last read (null before the first): the cost counts from the watch's start */
  private ownExecLast: number | null = null;
  /** CPU ms of our own backends on a server of this machine (null when it runs elsewhere): the server's time, measured */
  private backend: { pid: number; startMs: number } | undefined;
  private backendDoneMs = 0;
  private backendSeen = false;

  constructor(readonly url: string) {
    this.name = serverName(url);
  }

  get connected(): boolean {
    return this.client !== undefined;
  }

  /** Connects and learns what the server offers; a refusal is a UserError naming the server and the fix. */
  async open(): Promise<string[]> {
    const notes: string[] = [];
    let c: pg.Client;
    try {
      c = await connectForgetful(
        {
          connectionString: this.url,
          connectionTimeoutMillis: 3000,
          application_name: DIAGNOSE_APPLICATION_NAME,
          options: '-c default_transaction_read_only=on -c statement_timeout=5000 -c lock_timeout=1000',
        },
        (gone) => {
          if (this.client === gone) this.client = undefined;
        },
      );
    } catch (err) {
      throw new UserError(`cannot reach ${this.name}: ${describeError(err) || (err as { code?: string }).code}`);
    }
    try {
      const r = (
        await c.query(`SELECT ${MARK} current_user AS u, (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS su,
          pg_has_role(current_user, 'pg_monitor', 'USAGE') AS monitor, pg_is_in_recovery() AS recovery,
          current_setting('track_activity_query_size') AS qsize, current_setting('block_size')::int AS bs,
          current_setting('server_version') AS v, current_setting('server_version_num')::int AS vn`)
      ).rows[0];
      if (!r.su && !r.monitor)
        throw new UserError(
          `role ${r.u} on ${this.name} lacks pg_monitor, so other sessions' statements are hidden from it (accepted: a role with pg_monitor; GRANT pg_monitor TO ${r.u})`,
        );
      this.io = await detectIo(c);
      const statements = await this.hasStatements(c);
      if (!statements)
        notes.push(
          `${this.name}: pg_stat_statements is not available in this database: diagnosing from pg_stat_activity alone (no work per call, no symptoms)`,
        );
      if (r.su)
        notes.push(
          `${this.name}: role ${r.u} is a superuser; diagnose reads statistics only and needs no more than pg_monitor`,
        );
      this.facts = {
        role: r.recovery ? 'replica' : 'primary',
        statements,
        superuser: r.su,
        user: r.u,
        version: r.v,
        querySize: parseSize(r.qsize),
        blockSize: r.bs,
      };
      this.withQueryId = r.vn >= 140000;
      this.client = c;
      await this.findBackend(c);
      return notes;
    } catch (err) {
      await c.end().catch(() => {});
      if (err instanceof UserError) throw err;
      throw new UserError(`cannot read the statistics of ${this.name}: ${describeError(err)}`);
    }
  }

  private withQueryId = false;

  /** our backend process, when the server runs on this machine (a loopback address and a postgres process) */
  private async findBackend(c: pg.Client): Promise<void> {
    const host = new URL(this.url).hostname;
    if (!['127.0.0.1', 'localhost', '[::1]', '::1'].includes(host)) return;
    const pid = (await c.query<{ pid: number }>(`SELECT ${MARK} pg_backend_pid() AS pid`)).rows[0].pid;
    let comm = '';
    try {
      comm = readFileSync(`/proc/${pid}/comm`, 'utf8');
    } catch {
      return; // another machine's process namespace (a container's published port)
    }
    const startMs = processCpuMs(pid);
    if (!comm.startsWith('postgres') || startMs === undefined) return;
    this.backend = { pid, startMs };
    this.backendSeen = true;
  }

  /** CPU ms our backends used on the server so far, or null when the server is not on this machine */
  backendCpuMs(): number | null {
    if (!this.backendSeen) return null;
    const live = this.backend ? (processCpuMs(this.backend.pid) ?? this.backend.startMs) - this.backend.startMs : 0;
    return this.backendDoneMs + live;
  }

  private async hasStatements(c: pg.Client): Promise<boolean> {
    const { rowCount } = await c.query(`SELECT ${MARK} 1 FROM pg_extension WHERE extname = 'pg_stat_statements'`);
    if ((rowCount ?? 0) === 0) return false;
    return c.query(`SELECT ${MARK} 1 FROM pg_stat_statements(false) LIMIT 1`).then(
      () => true,
      () => false,
    );
  }

  private async query<R extends pg.QueryResultRow>(config: pg.QueryConfig): Promise<R[]> {
    const c = this.client;
    if (!c) throw new Error('not connected');
    const t0 = performance.now();
    try {
      return (await c.query<R>(config)).rows;
    } finally {
      this.ownMs += performance.now() - t0;
    }
  }

  async sampleActivity(): Promise<ActivitySample> {
    const at = Date.now();
    const rows = await this.query<{
      qid: string | null;
      query: string | null;
      wait_event_type: string | null;
      wait_event: string | null;
      ms: number | null;
    }>({ name: 'loadlab_diagnose_activity', text: ACTIVITY_SQL(this.withQueryId) });
    const size = this.facts?.querySize ?? 1024;
    const active = rows.map((r) => {
      const text = r.query ?? '';
      const known = r.qid ? this.info.get(r.qid) : undefined;
      const n = known ?? { ...pick(normaliseStatement(text)), sql: shortSql(text, 200) };
      return {
        fingerprint: n.fingerprint,
        label: n.label,
        sql: n.sql,
        tags: tagsOf(text),
        truncated: Buffer.byteLength(text) >= size - 1,
        wait: r.wait_event_type ? `${r.wait_event_type}:${r.wait_event ?? ''}` : null,
        running_ms: Math.max(0, r.ms ?? 0),
      };
    });
    return { at, active };
  }

  /** Cumulative counters now. pg_stat_statements is read without texts; texts only for queryids not seen before. */
  async snapshot(): Promise<{ snapshot: CounterSnapshot; role: ServerRole }> {
    const at = Date.now();
    const [db] = await this.query<{ temp: number | null; r: number | null; w: number | null; recovery: boolean }>({
      name: 'loadlab_diagnose_database',
      text: `SELECT ${MARK} (SELECT temp_bytes::float8 FROM pg_stat_database WHERE datname = current_database()) AS temp,
        ${ioSql(this.io, 'read')} AS r, ${ioSql(this.io, 'write')} AS w, pg_is_in_recovery() AS recovery`,
    });
    const role: ServerRole = db.recovery ? 'replica' : 'primary';
    let statements: Map<string, StatementCounters> | null = null;
    if (this.facts?.statements) statements = await this.statements();
    return {
      snapshot: { at, statements, temp_bytes: db.temp, io_read_bytes: db.r, io_write_bytes: db.w },
      role,
    };
  }

  private async statements(): Promise<Map<string, StatementCounters>> {
    const rows = await this.query<{ id: string; calls: number; ms: number; blocks: number; temp: number; tw: number }>({
      name: 'loadlab_diagnose_statements',
      text: STATEMENTS_SQL,
    });
    const unknown = rows.filter((r) => !this.info.has(r.id) && !this.own.has(r.id)).map((r) => r.id);
    if (unknown.length > 0) await this.learnTexts(unknown);
    const out = new Map<string, StatementCounters>();
    let ownExec = 0;
    for (const r of rows) {
      if (this.own.has(r.id)) {
        ownExec += r.ms;
        continue;
      }
      const fp = this.info.get(r.id)?.fingerprint ?? `queryid:${r.id}`;
      const t = out.get(fp) ?? zero();
      t.calls += r.calls;
      t.exec_ms += r.ms;
      t.blocks += r.blocks;
      t.temp_blocks += r.temp;
      t.temp_written += r.tw;
      out.set(fp, t);
    }
    // counters that went down were reset (a restarted server): what they hold now all ran since
    if (this.ownExecLast !== null)
      this.ownExecMs = (this.ownExecMs ?? 0) + (ownExec >= this.ownExecLast ? ownExec - this.ownExecLast : ownExec);
    else this.ownExecMs = 0;
    this.ownExecLast = ownExec;
    return out;
  }

  private async learnTexts(ids: string[]): Promise<void> {
    const rows = await this.query<{ id: string; query: string | null }>({
      text: `SELECT ${MARK} s.queryid::text AS id, s.query FROM pg_stat_statements(true) s
        WHERE s.queryid = ANY($1::bigint[]) AND s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      values: [ids],
    });
    for (const r of rows) {
      const text = r.query ?? '';
      if (text.includes(MARK)) {
        this.own.add(r.id);
        continue;
      }
      this.info.set(r.id, { ...pick(normaliseStatement(text)), sql: shortSql(text, 200) });
    }
  }

  /** the statement's description by fingerprint, for those pg_stat_statements knows */
  describe(fingerprint: string): StatementInfo | undefined {
    for (const i of this.info.values()) if (i.fingerprint === fingerprint) return i;
    return undefined;
  }

  async close(): Promise<void> {
    if (this.backend) {
      this.backendDoneMs += (processCpuMs(this.backend.pid) ?? this.backend.startMs) - this.backend.startMs;
      this.backend = undefined;
    }
    const c = this.client;
    this.client = undefined;
    await c?.end().catch(() => {});
  }
}

const pick = (n: { fingerprint: string; label: string | null }) => ({ fingerprint: n.fingerprint, label: n.label });

/** track_activity_query_size as shown ('1kB', '4096', '4kB') in bytes */
function parseSize(raw: string): number {
  const m = /^(\d+)\s*(B|kB|MB)?$/.exec(raw.trim());
  if (!m) return 1024;
  const unit = m[2] === 'kB' ? 1024 : m[2] === 'MB' ? 1024 * 1024 : 1;
  return Number(m[1]) * unit;
}
