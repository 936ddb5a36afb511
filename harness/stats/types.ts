/**
 * The shapes the DB I/O statistics collector writes (one NDJSON line per sample) and the per-phase deltas
 * computed from them. Counters are cumulative as PostgreSQL and the kernel report them; deltas are taken later
 * (deltas.ts), so a sample file stays useful whatever phases one cuts it into afterwards.
 */

/** pg_stat_database for the sampled database (cumulative since the last pg_stat_reset). Times in ms. */
export interface DatabaseCounters {
  numbackends: number;
  blks_read: number;
  blks_hit: number;
  temp_files: number;
  temp_bytes: number;
  tup_returned: number;
  tup_fetched: number;
  xact_commit: number;
  xact_rollback: number;
  blk_read_time: number;
  blk_write_time: number;
}

/** One group of pg_stat_io rows summed. Byte counts are null when the server reports neither *_bytes nor op_bytes. */
export interface IoCounters {
  reads: number;
  read_bytes: number | null;
  writes: number;
  write_bytes: number | null;
  extends: number;
  extend_bytes: number | null;
  hits: number;
  evictions: number;
  /** ms; 0 unless track_io_timing is on */
  read_time: number;
  write_time: number;
}

/** pg_stat_io (PostgreSQL >= 16), server-wide (the view has no per-database split). */
export interface IoStats {
  /** objects 'relation' and 'temp relation' over every backend type (WAL is kept apart, in by_object.wal) */
  total: IoCounters;
  /** by object: 'relation' (shared buffers), 'temp relation' (temporary TABLES in local buffers, not sort/hash spill files), 'wal' (PG 18) */
  by_object: Record<string, IoCounters>;
  /** 'relation' + 'temp relation' by backend_type: 'client backend', 'checkpointer', 'background writer', ... */
  by_backend: Record<string, IoCounters>;
}

/** pg_stat_statements rows of one product-list variant, summed over its entries (queryids) in this database. */
export interface StatementCounters {
  calls: number;
  total_exec_time: number;
  mean_exec_time: number;
  shared_blks_hit: number;
  shared_blks_read: number;
  temp_blks_read: number;
  temp_blks_written: number;
  rows: number;
  /** how many pg_stat_statements entries were summed (different plans of parameters give one each) */
  entries: number;
}

/** One pg_stat_statements entry of the sampled database (cumulative), for the report's diagnosis. */
export interface QueryCounters {
  calls: number;
  /** total_exec_time, ms */
  exec_ms: number;
  /** shared + local blocks hit or read: what the statement touched, cached or not */
  blocks: number;
  /** temp blocks read + written: its sorts and hashes on disk */
  temp_blocks: number;
  /** of which written (EXPLAIN's "Temp Written Blocks") */
  temp_written: number;
  rows: number;
}

/** pg_stat_activity for the sampled database, the sampler's own connection excluded. */
export interface ActivityStats {
  /** client backends connected to the database */
  connections: number;
  active: number;
  idle: number;
  idle_in_transaction: number;
  /** active backends (parallel workers included) by wait_event_type: IO, LWLock, Lock, IPC, ... */
  waiting: Record<string, number>;
  parallel_workers: number;
  /** age of the oldest running active query, ms; 0 when none is active */
  longest_active_ms: number;
}

/** /proc figures summed over the PostgreSQL server processes. Bytes as the kernel's /proc/<pid>/io reports them. */
export interface ProcStats {
  /** live processes summed in this sample */
  processes: number;
  /** user + system CPU time, ms */
  cpu_ms: number;
  /** bytes the storage layer read (page-cache misses) */
  read_bytes: number | null;
  /** bytes dirtied for writing (accounted when dirtied, so spills that never reach the disk still count) */
  write_bytes: number | null;
  /** written bytes later discarded (a temp file deleted before writeback) */
  cancelled_write_bytes: number | null;
  /** bytes passed to read()/pread() and friends, page cache or not */
  rchar: number | null;
  wchar: number | null;
}

/** What the sample cost the sampler itself, ms. */
export interface SamplerCost {
  /** wall time of the whole sample */
  ms: number;
  /** the database round trips */
  db_ms: number;
  /** reading /proc */
  proc_ms: number;
}

/** One NDJSON line. A source is null when unavailable (view/extension missing, server not local) or when the sample failed. */
export interface Sample {
  t: string;
  ts_ms: number;
  database: DatabaseCounters | null;
  io: IoStats | null;
  /** variant name -> counters; {} while no matching statement has run; null without pg_stat_statements */
  statements: Record<string, StatementCounters> | null;
  /** every statement of the database by queryid; null without pg_stat_statements (absent in older files) */
  queries?: Record<string, QueryCounters> | null;
  /** the text of each queryid, on the sample where it first appears */
  query_texts?: Record<string, string>;
  activity: ActivityStats | null;
  proc: ProcStats | null;
  sampler: SamplerCost;
  /** set when the database part of the sample failed (server down for a moment); proc may still be there */
  error?: string;
  /** only on the first line: what is unavailable and why, said once */
  notes?: string[];
}

export interface Phase {
  name: string;
  /** epoch ms */
  startMs: number;
  endMs: number;
}

export interface ProductListDelta {
  calls: number;
  /** delta total_exec_time / delta calls; null when no call completed in the phase */
  mean_ms: number | null;
  shared_blks_hit: number;
  shared_blks_read: number;
  temp_blks_read: number;
  temp_blks_written: number;
  rows: number;
}

/** One statement's increase over a phase (QueryCounters minus QueryCounters). */
export type QueryDelta = QueryCounters;

export interface RatePoint {
  /** epoch ms of the sample that closes the interval */
  t_ms: number;
  temp_bytes_per_s: number | null;
  blks_read_per_s: number | null;
  blks_hit_per_s: number | null;
  os_read_bytes_per_s: number | null;
  os_write_bytes_per_s: number | null;
  active_connections: number | null;
}

export interface PhaseDelta {
  name: string;
  /** the samples the delta runs between (see deltas.ts for the choice); null when the file holds no sample */
  from_ms: number | null;
  to_ms: number | null;
  product_list_query: ProductListDelta | null;
  temp_bytes: number | null;
  temp_files: number | null;
  blks_read: number | null;
  blks_hit: number | null;
  os_read_bytes: number | null;
  os_write_bytes: number | null;
  os_rchar: number | null;
  os_wchar: number | null;
  cpu_ms: number | null;
  series: RatePoint[];
  /** every statement that ran in the phase, by queryid; null when the samples have no pg_stat_statements */
  queries: Record<string, QueryDelta> | null;
}

export interface SampleSummary {
  file: string;
  samples: number;
  /** samples whose database part failed */
  errors: number;
  first_ts_ms: number | null;
  last_ts_ms: number | null;
  /** the sampler's own wall time per sample, ms */
  cost_ms: { mean: number; max: number };
  notes: string[];
}
