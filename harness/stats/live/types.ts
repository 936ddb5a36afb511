/**
 * The live diagnosis' contract, one JSON line per interval (`loadlab.diagnose/v1`), and the samples it is made
 * from. Fields beyond the issue's contract are extensions: readers of v1 ignore them.
 */
export const DIAGNOSE_SCHEMA = 'loadlab.diagnose/v1';

export type ServerState = 'quiet' | 'busy' | 'stressed';
export type ServerRole = 'primary' | 'replica' | 'unknown';

export interface TenantShare {
  /** the sqlcommenter tags that name the tenant (request-level keys such as route or traceparent left out); {} = tenant unknown */
  tags: Record<string, string>;
  /** share of the cause's active time (activity samples) */
  share: number;
}

export interface CauseVerdict {
  fingerprint: string;
  sql: string;
  share_of_work: number;
  work_per_call: number;
  temp_bytes_per_s: number;
  tenants: TenantShare[];
  /** extension: the statement's naming comment, if any */
  label: string | null;
  /** extension: share of the server's active time (activity samples) */
  share_of_active_time: number;
  /** extension: where the figures came from: pg_stat_statements, or activity samples only */
  measured_by: 'statements' | 'activity';
}

export interface SymptomVerdict {
  fingerprint: string;
  sql: string;
  slowdown: number;
  /** extension */
  label: string | null;
}

export interface ServerVerdict {
  name: string;
  role: ServerRole;
  state: ServerState;
  running_avg: number;
  cause: CauseVerdict | null;
  symptoms: SymptomVerdict[];
  /** extension: the next step in the operator's words */
  next_step: string;
  /** extension: what the active statements waited on, most frequent first (type:event, share of samples) */
  waits: { wait: string; share: number }[];
  /** extension: pg_stat_database temp bytes written per second over the window */
  temp_bytes_per_s: number | null;
  /** extension: pg_stat_io bytes per second over the window (null where the server has no pg_stat_io) */
  io_read_bytes_per_s: number | null;
  io_write_bytes_per_s: number | null;
}

export interface DiagnoseLine {
  schema: typeof DIAGNOSE_SCHEMA;
  at: string;
  window_s: number;
  servers: ServerVerdict[];
  /** extension: with several servers, where the load is and whether the same statement is the cause on several */
  platform: string | null;
  /** extension: watched servers that did not answer this interval */
  unreachable: string[];
}

/** One active statement seen in one pg_stat_activity sample. */
export interface ActiveStatement {
  fingerprint: string;
  label: string | null;
  sql: string;
  /** null: no sqlcommenter tags (or cut off by track_activity_query_size) */
  tags: Record<string, string> | null;
  /** the text ended at track_activity_query_size: tags may have been cut off */
  truncated: boolean;
  wait: string | null;
  running_ms: number;
}

export interface ActivitySample {
  at: number;
  active: ActiveStatement[];
}

/** One statement's counters (summed over its queryids), or their increase over an interval. */
export interface StatementCounters {
  calls: number;
  exec_ms: number;
  /** blocks touched (shared and local, hit or read) */
  blocks: number;
  /** temp blocks read and written */
  temp_blocks: number;
  temp_written: number;
}

export interface StatementInfo {
  fingerprint: string;
  label: string | null;
  sql: string;
}

/** Cumulative server counters at one moment: pg_stat_statements by fingerprint, pg_stat_database, pg_stat_io. */
export interface CounterSnapshot {
  at: number;
  /** null without pg_stat_statements */
  statements: Map<string, StatementCounters> | null;
  temp_bytes: number | null;
  io_read_bytes: number | null;
  io_write_bytes: number | null;
}
