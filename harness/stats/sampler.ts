import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { describeError } from '../../common/user-error.ts';
import { defaultQueryMatch, matcherParams, type QueryMatch } from './sources/statements.ts';
import { procSampler, type ProcSampler } from './sources/proc.ts';
import { SamplerConnection, SAMPLER_APPLICATION_NAME } from './connection.ts';
import { DbSampler, EMPTY_DB_PART, type DbPart } from './db-sample.ts';
import { SampleFile } from './sample-file.ts';
import type { Sample, SampleSummary } from './types.ts';

export interface SamplerOptions {
  url: string;
  /** default 1000; each sample starts on the interval grid, and a tick is skipped while a slow sample runs */
  intervalMs?: number;
  outFile: string;
  /** the postmaster of a local server: it and its children are summed in `proc` */
  postmasterPid?: number;
  /** or the server's processes directly (when no postmaster pid is known); `proc` is null with neither */
  postgresPids?: () => number[];
  /** which statements are the product-list query and which variant each is (see sources/statements.ts) */
  queryMatch?: QueryMatch;
  /** aborting stops the sampler as stop() does */
  signal?: AbortSignal;
  /** one-off notes (a missing view or extension) */
  log?: (line: string) => void;
}

export interface Sampler {
  /** takes a last sample, then flushes and closes the file and the connection */
  stop(): Promise<SampleSummary>;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/**
 * Samples PostgreSQL's cumulative I/O statistics and the server processes' /proc figures into NDJSON, one line
 * per interval, on ONE connection of its own (see db-sample.ts for what one sample reads).
 */
export async function startSampler(opts: SamplerOptions): Promise<Sampler> {
  const intervalMs = opts.intervalMs ?? 1000;
  if (!Number.isInteger(intervalMs) || intervalMs < 10)
    throw new Error(`intervalMs ${intervalMs} is not a whole number >= 10`);
  const params = matcherParams(opts.queryMatch ?? defaultQueryMatch);
  const notes: string[] = [];
  const note = (line: string) => {
    notes.push(line);
    opts.log?.(`note: ${line}`);
  };
  // the file first: a path that cannot be written fails before the database is touched
  const file = new SampleFile(opts.outFile);
  const conn = new SamplerConnection(opts.url, intervalMs, params[1], note);
  // the first connection is made here so that a wrong URL fails the start, not every sample
  await conn.get();
  const db = new DbSampler(conn.capabilities!, params);

  let proc: ProcSampler | undefined;
  if (opts.postmasterPid || opts.postgresPids) {
    proc = procSampler({
      postmasterPid: opts.postmasterPid,
      pids: opts.postgresPids,
      excludePid: () => conn.backendPid,
    });
  } else {
    note('no PostgreSQL process ids (external server): proc is null');
  }

  const takeSample = async (): Promise<void> => {
    const started = performance.now();
    const ts = Date.now();
    let dbPart: DbPart = EMPTY_DB_PART;
    let error: string | undefined;
    try {
      dbPart = await db.take(await conn.get());
    } catch (err) {
      error = describeError(err) || String((err as { code?: string }).code ?? err);
      // a broken connection is replaced at the next sample
      await conn.drop();
    }
    const dbMs = performance.now() - started;
    const procStart = performance.now();
    const procStats = proc ? await proc.sample().catch(() => null) : null;
    const procMs = performance.now() - procStart;
    for (const n of proc?.notes.splice(0) ?? []) note(n);
    const line: Sample = {
      t: new Date(ts).toISOString(),
      ts_ms: ts,
      ...dbPart,
      proc: procStats,
      sampler: { ms: round2(performance.now() - started), db_ms: round2(dbMs), proc_ms: round2(procMs) },
    };
    if (error !== undefined) line.error = error;
    if (file.written === 0 && notes.length > 0) line.notes = [...notes];
    file.append(line);
  };

  const ticks = onIntervalGrid(intervalMs, takeSample);
  let stopped: Promise<SampleSummary> | undefined;
  const stop = (): Promise<SampleSummary> =>
    (stopped ??= (async () => {
      await ticks.stop();
      // a closing sample, so the whole run's deltas reach up to now
      await takeSample();
      await conn.drop();
      return file.close(notes);
    })());
  opts.signal?.addEventListener('abort', () => void stop().catch(() => {}), { once: true });
  if (opts.signal?.aborted) void stop().catch(() => {});
  return { stop };
}

/**
 * Runs `fn` now and then at each point of the interval grid still ahead: a slow run skips ticks instead of
 * bunching them. stop() waits for the run in flight.
 */
function onIntervalGrid(intervalMs: number, fn: () => Promise<void>): { stop(): Promise<void> } {
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  const origin = Date.now();
  const schedule = () => {
    if (stopping) return;
    const now = Date.now();
    const next = origin + (Math.floor((now - origin) / intervalMs) + 1) * intervalMs;
    timer = setTimeout(tick, next - now);
  };
  const tick = () => {
    inFlight = fn().finally(schedule);
  };
  let inFlight: Promise<void> = fn().finally(schedule);
  return {
    async stop() {
      stopping = true;
      if (timer) clearTimeout(timer);
      await inFlight;
    },
  };
}

/**
 * Zeroes the statistics a run is measured by, so each variant's run starts from zero: this database's
 * pg_stat_database row and table counters, pg_stat_statements (when present) and the server-wide pg_stat_io
 * (PostgreSQL >= 16). Returns what was reset. /proc counters cannot be reset: take deltas of them.
 */
export async function resetStatistics(url: string): Promise<{ database: boolean; statements: boolean; io: boolean }> {
  const c = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: 3000,
    application_name: SAMPLER_APPLICATION_NAME,
  });
  c.on('error', () => {});
  await c.connect();
  try {
    await c.query('SELECT pg_stat_reset()');
    const hasPgss =
      ((await c.query("SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'")).rowCount ?? 0) > 0;
    const statements = hasPgss
      ? await c.query('SELECT pg_stat_statements_reset()').then(
          () => true,
          () => false,
        )
      : false;
    const hasIo = (await c.query("SELECT to_regclass('pg_catalog.pg_stat_io') IS NOT NULL AS ok")).rows[0]
      .ok as boolean;
    const io = hasIo
      ? await c.query("SELECT pg_stat_reset_shared('io')").then(
          () => true,
          () => false,
        )
      : false;
    return { database: true, statements, io };
  } finally {
    await c.end().catch(() => {});
  }
}
