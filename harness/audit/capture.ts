import { closeSync, openSync, readSync, statSync } from 'node:fs';
import pg from 'pg';
import { describeError } from '../../common/user-error.ts';
import type { Database } from '../db/database.ts';
import { normaliseStatement } from '../stats/fingerprint.ts';
import { parsePlanLog } from './plan-log.ts';
import {
  byFingerprint,
  snapshotStatements,
  statementDelta,
  SNAPSHOT_SQL,
  type Snapshot,
  type StatementCounters,
} from './statements.ts';

/**
 * auto_explain, loaded into the audited application's sessions only (through its connection URL, so neither
 * the server's configuration nor the application changes): every statement's executed plan goes to the
 * server log, with actual rows and loops per node. Per-node timing is off: the audit reads counts, never
 * times, and timing every node would slow the statements down for nothing. Buffers come from
 * pg_stat_statements, which also counts what triggers and foreign-key checks touched, so log_buffers is off.
 */
const AUTO_EXPLAIN: Record<string, string> = {
  session_preload_libraries: 'auto_explain',
  'auto_explain.log_min_duration': '0',
  'auto_explain.log_analyze': 'on',
  'auto_explain.log_timing': 'off',
  'auto_explain.log_buffers': 'off',
  'auto_explain.log_format': 'json',
  'auto_explain.log_nested_statements': 'off',
  // the plans are read for their shape, and parameters may be people's e-mail addresses
  'auto_explain.log_parameter_max_length': '0',
};

/** What the audit measured of one statement at one size. */
export interface MeasuredStatement extends StatementCounters {
  fingerprint: string;
  query: string;
  label: string | null;
  /** executions whose plan was read from the log, and the rows their plans processed in all (null without plans) */
  plans: number | null;
  plan_rows: number | null;
  /** executions per plan shape (see planShape; null without plans) */
  plan_shapes: Record<string, number> | null;
}

export interface Measurement {
  statements: MeasuredStatement[];
  /** plans in the log whose statement pg_stat_statements did not list (evicted entries): should be 0 */
  unmatched_plans: number;
}

export interface Capture {
  /** the URL the audited application must connect with */
  appUrl: string;
  /** 'plans': auto_explain's row counts plus pg_stat_statements; 'statements': pg_stat_statements alone */
  mode: 'plans' | 'statements';
  /** why plans are not read, in one line (null in 'plans' mode) */
  note: string | null;
  /** takes the starting snapshot: call right before the journey */
  begin(): Promise<void>;
  /** takes the closing snapshot and reads the plans: call after the journey, while the application still runs */
  end(): Promise<Measurement>;
  close(): Promise<void>;
}

const tagUrl = (url: string, appName: string, options: Record<string, string> | null): string => {
  const u = new URL(url);
  u.searchParams.set('application_name', appName);
  if (options) {
    const extra = Object.entries(options)
      .map(([k, v]) => `-c ${k}=${v}`)
      .join(' ');
    u.searchParams.set('options', [u.searchParams.get('options'), extra].filter(Boolean).join(' '));
  }
  return u.toString();
};

/** Whether this server lets us read plans: a log file we can read, and auto_explain loadable in a session. */
async function planSupport(db: Database, probeUrl: string): Promise<string | null> {
  if (!db.server)
    return "auto_explain's plans go to the server's log, which the audit reads only on the embedded server";
  try {
    statSync(db.server.logFile);
  } catch {
    return `the embedded server's log ${db.server.logFile} cannot be read`;
  }
  const probe = new pg.Client({ connectionString: probeUrl, connectionTimeoutMillis: 5000 });
  probe.on('error', () => {});
  try {
    await probe.connect();
    await probe.query("SELECT current_setting('auto_explain.log_analyze')");
    return null;
  } catch (err) {
    return `auto_explain cannot be loaded (${describeError(err).split('\n')[0]})`;
  } finally {
    await probe.end().catch(() => {});
  }
}

function readFrom(file: string, offset: number): string {
  const size = statSync(file).size;
  if (size <= offset) return '';
  const buf = Buffer.alloc(size - offset);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, buf, 0, buf.length, offset);
  } finally {
    closeSync(fd);
  }
  return buf.toString('utf8');
}

/**
 * Prepares measuring the statements one application runs against `db`. Without pg_stat_statements it stops
 * with a one-line error; without readable plans it measures from pg_stat_statements alone and says why.
 */
export async function prepareCapture(db: Database): Promise<Capture> {
  const appName = `loadlab-audit-${process.pid}`;
  const admin = new pg.Client({
    connectionString: db.url,
    connectionTimeoutMillis: 5000,
    application_name: 'loadlab-audit',
  });
  admin.on('error', () => {});
  await admin.connect();
  // keep the audit's own statements out of what it measures (superuser-only: they are also left out by text)
  await admin.query("SET pg_stat_statements.track = 'none'").catch(() => {});
  const planUrl = tagUrl(db.url, appName, AUTO_EXPLAIN);
  const note = await planSupport(db, planUrl);
  const mode = note ? 'statements' : 'plans';
  const own = new Set([SNAPSHOT_SQL, PIDS_SQL].map((s) => normaliseStatement(s).fingerprint));
  let before: Snapshot = new Map();
  let offset = 0;
  return {
    appUrl: mode === 'plans' ? planUrl : tagUrl(db.url, appName, null),
    mode,
    note,
    async begin() {
      before = await snapshotStatements(admin);
      if (mode === 'plans') offset = statSync(db.server!.logFile).size;
    },
    async end() {
      const pids = new Set((await admin.query<{ pid: number }>(PIDS_SQL, [appName])).rows.map((r) => r.pid));
      const counters = byFingerprint(statementDelta(before, await snapshotStatements(admin)), own);
      const plans =
        mode === 'plans'
          ? parsePlanLog(readFrom(db.server!.logFile, offset)).filter((p) => p.pid === null || pids.has(p.pid))
          : [];
      return combine(counters, plans, mode);
    },
    close: () => admin.end().catch(() => {}),
  };
}

const PIDS_SQL = 'SELECT pid FROM pg_stat_activity WHERE application_name = $1';

function combine(
  counters: Map<string, StatementCounters & { query: string }>,
  plans: ReturnType<typeof parsePlanLog>,
  mode: Capture['mode'],
): Measurement {
  const planRows = new Map<string, { n: number; rows: number; label: string | null; shapes: Record<string, number> }>();
  for (const p of plans) {
    const { fingerprint, label } = normaliseStatement(p.queryText);
    const s = planRows.get(fingerprint) ?? { n: 0, rows: 0, label, shapes: {} };
    s.n++;
    s.rows += p.rowsProcessed;
    s.shapes[p.shape] = (s.shapes[p.shape] ?? 0) + 1;
    planRows.set(fingerprint, s);
  }
  let matched = 0;
  const statements = [...counters].map(([fingerprint, c]): MeasuredStatement => {
    const p = planRows.get(fingerprint);
    if (p) matched += p.n;
    return {
      fingerprint,
      ...c,
      label: p?.label ?? normaliseStatement(c.query).label,
      plans: mode === 'plans' ? (p?.n ?? 0) : null,
      plan_rows: mode === 'plans' ? (p?.rows ?? 0) : null,
      plan_shapes: mode === 'plans' ? (p?.shapes ?? {}) : null,
    };
  });
  return { statements, unmatched_plans: plans.length - matched };
}
