import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { describeError } from '../../common/user-error.ts';
import { databaseFragment, parseDatabase } from './sources/database.ts';
import { detectIo, ioFragment, parseIo, type IoFlavour } from './sources/io.ts';
import { activityFragment, parseActivity } from './sources/activity.ts';
import {
  byVariant, defaultQueryMatch, matcherParams, matcherSql, parseStatementsPart, scanStatementTexts,
  statementsFragment, type QueryMatch,
} from './sources/statements.ts';
import { procSampler, type ProcSampler } from './sources/proc.ts';
import type { Sample, SampleSummary, StatementCounters } from './types.ts';

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

interface Capabilities {
  io: IoFlavour;
  statements: boolean;
}

const applicationName = 'loadlab-db-stats';

/**
 * Samples PostgreSQL's cumulative I/O statistics and the server processes' /proc figures into NDJSON, one line
 * per interval, on ONE connection of its own. Each sample is one statement (plus, only when new statements
 * appeared in pg_stat_statements, one scan of their texts), so the sampler's own load is a few ms per second.
 */
export async function startSampler(opts: SamplerOptions): Promise<Sampler> {
  const intervalMs = opts.intervalMs ?? 1000;
  if (!Number.isInteger(intervalMs) || intervalMs < 10) throw new Error(`intervalMs ${intervalMs} is not a whole number >= 10`);
  const match = opts.queryMatch ?? defaultQueryMatch;
  const params = matcherParams(match);
  const log = opts.log ?? (() => {});
  const notes: string[] = [];
  const note = (line: string) => {
    notes.push(line);
    log(`note: ${line}`);
  };

  let client: pg.Client | undefined;
  let backendPid: number | undefined;
  let caps: Capabilities | undefined;

  /** (Re)connects; the first connection also learns what the server offers. */
  async function connect(): Promise<pg.Client> {
    if (client) return client;
    const c = new pg.Client({ connectionString: opts.url, connectionTimeoutMillis: 3000, application_name: applicationName });
    // a dropped connection must not crash the process: the next sample reconnects
    c.on('error', () => {
      if (client === c) client = undefined;
    });
    c.on('end', () => {
      if (client === c) client = undefined;
    });
    try {
      await c.connect();
      // a stuck sample must not pile up behind itself
      await c.query(`SET statement_timeout = ${Math.max(1000, intervalMs * 5)}`);
      // keep the sampler's own statements out of pg_stat_statements (superuser-only setting: best effort)
      await c.query("SET pg_stat_statements.track = 'none'").catch(() => {});
      backendPid = (await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0].pid;
      if (!caps) {
        const io = await detectIo(c);
        if (io === 'none') note('pg_stat_io does not exist on this server (PostgreSQL < 16); io is null');
        const { rowCount } = await c.query(
          "SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'",
        );
        let statements = (rowCount ?? 0) > 0;
        if (statements) {
          // the extension can exist without the library preloaded: then reading it fails
          statements = await c.query('SELECT 1 FROM pg_stat_statements(false) LIMIT 1').then(() => true, () => false);
        }
        if (!statements) note('pg_stat_statements is not available in this database; statements is null');
        // a bad matcher is the caller's mistake: say so now rather than in every sample
        for (const re of params[1]) {
          await c.query("SELECT '' ~ $1", [re]).catch((err) => {
            throw new Error(`queryMatch regex '${re}' is not valid for PostgreSQL: ${describeError(err)}`);
          });
        }
        caps = { io, statements };
      }
    } catch (err) {
      await c.end().catch(() => {});
      throw err;
    }
    client = c;
    return c;
  }

  // the first connection is made here so that a wrong URL fails the start, not every sample
  await connect();
  const capabilities = caps!;

  let proc: ProcSampler | undefined;
  if (opts.postmasterPid || opts.postgresPids) {
    proc = procSampler({ postmasterPid: opts.postmasterPid, pids: opts.postgresPids, excludePid: () => backendPid });
  } else {
    note('no PostgreSQL process ids (external server): proc is null');
  }

  const variantOf = new Map<string, string>(); // queryid -> variant
  let scannedEntries = -1; // pg_stat_statements entries at the last text scan

  const fragments = [
    `${databaseFragment} AS database`,
    `${ioFragment(capabilities.io) ?? 'NULL::json'} AS io`,
    `${activityFragment(capabilities.statements, matcherSql)} AS activity`,
    `${capabilities.statements ? statementsFragment('$3') : 'NULL::json'} AS statements`,
  ];
  const sampleSql = `SELECT ${fragments.join(',\n')}`;

  async function sampleDb(): Promise<Pick<Sample, 'database' | 'io' | 'statements' | 'activity'>> {
    const c = await connect();
    // without pg_stat_statements no part of the statement takes parameters
    const values = capabilities.statements ? [params[0], params[1], [...variantOf.keys()]] : [];
    // named, so it is parsed and planned once per connection: planning was 3/4 of the statement's cost
    const row = (await c.query<Record<string, unknown>>({ name: 'loadlab_db_stats_sample', text: sampleSql, values })).rows[0];
    const activity = parseActivity(row.activity);
    let statements: Record<string, StatementCounters> | null = null;
    if (capabilities.statements) {
      let part = parseStatementsPart(row.statements);
      let learned = false;
      for (const [id, v] of activity.queryIds) {
        if (!variantOf.has(id)) {
          variantOf.set(id, v);
          learned = true;
        }
      }
      if (part.entries !== scannedEntries) {
        // new statements appeared (or a reset removed some): look at their texts once
        for (const [id, v] of await scanStatementTexts(c, params)) {
          if (!variantOf.has(id)) learned = true;
          variantOf.set(id, v);
        }
        scannedEntries = part.entries;
      }
      if (learned) {
        // the counters of the newly known entries, in this same sample
        const again = await c.query<Record<string, unknown>>(`SELECT ${statementsFragment('$1')} AS statements`, [[...variantOf.keys()]]);
        part = parseStatementsPart(again.rows[0].statements);
      }
      statements = byVariant(part, variantOf);
    }
    return {
      database: parseDatabase(row.database),
      io: parseIo(row.io, capabilities.io),
      statements,
      activity: activity.activity,
    };
  }

  mkdirSync(path.dirname(path.resolve(opts.outFile)), { recursive: true });
  const out: WriteStream = createWriteStream(opts.outFile, { flags: 'a' });
  let writeError: Error | undefined;
  out.on('error', (err) => (writeError ??= err));

  let samples = 0;
  let errors = 0;
  let firstTs: number | null = null;
  let lastTs: number | null = null;
  let costSum = 0;
  let costMax = 0;

  async function takeSample(): Promise<void> {
    const started = performance.now();
    const ts = Date.now();
    let dbPart: Pick<Sample, 'database' | 'io' | 'statements' | 'activity'> = { database: null, io: null, statements: null, activity: null };
    let error: string | undefined;
    const dbStart = performance.now();
    try {
      dbPart = await sampleDb();
    } catch (err) {
      error = describeError(err) || String((err as { code?: string }).code ?? err);
      // a broken connection is replaced at the next sample
      const c = client;
      client = undefined;
      await c?.end().catch(() => {});
    }
    const dbMs = performance.now() - dbStart;
    const procStart = performance.now();
    const procStats = proc ? await proc.sample().catch(() => null) : null;
    const procMs = performance.now() - procStart;
    for (const n of proc?.notes.splice(0) ?? []) note(n);
    const ms = performance.now() - started;
    const line: Sample = {
      t: new Date(ts).toISOString(),
      ts_ms: ts,
      ...dbPart,
      proc: procStats,
      sampler: { ms: round2(ms), db_ms: round2(dbMs), proc_ms: round2(procMs) },
    };
    if (error !== undefined) line.error = error;
    if (samples === 0 && notes.length > 0) line.notes = [...notes];
    // one write per line: the stream keeps whole lines in order, and end() flushes them
    out.write(`${JSON.stringify(line)}\n`);
    samples++;
    if (error !== undefined) errors++;
    firstTs ??= ts;
    lastTs = ts;
    costSum += ms;
    costMax = Math.max(costMax, ms);
  }

  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> = Promise.resolve();
  const origin = Date.now();

  const schedule = () => {
    if (stopping) return;
    // next point of the interval grid still ahead: a slow sample skips ticks instead of bunching them
    const now = Date.now();
    const next = origin + (Math.floor((now - origin) / intervalMs) + 1) * intervalMs;
    timer = setTimeout(tick, next - now);
  };
  const tick = () => {
    inFlight = takeSample().finally(schedule);
  };
  inFlight = takeSample().finally(schedule);

  let stopped: Promise<SampleSummary> | undefined;
  const stop = (): Promise<SampleSummary> => {
    stopped ??= (async () => {
      stopping = true;
      if (timer) clearTimeout(timer);
      await inFlight;
      // a closing sample, so the whole run's deltas reach up to now
      await takeSample();
      const c = client;
      client = undefined;
      await c?.end().catch(() => {});
      await new Promise<void>((resolve) => out.end(resolve));
      if (writeError) throw new Error(`writing ${opts.outFile} failed: ${writeError.message}`);
      return {
        file: opts.outFile,
        samples,
        errors,
        first_ts_ms: firstTs,
        last_ts_ms: lastTs,
        cost_ms: { mean: samples ? round2(costSum / samples) : 0, max: round2(costMax) },
        notes: [...notes],
      };
    })();
    return stopped;
  };
  opts.signal?.addEventListener('abort', () => void stop().catch(() => {}), { once: true });
  if (opts.signal?.aborted) void stop().catch(() => {});
  return { stop };
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

/**
 * Zeroes the statistics a run is measured by, so each variant's run starts from zero: this database's
 * pg_stat_database row and table counters, pg_stat_statements (when present) and the server-wide pg_stat_io
 * (PostgreSQL >= 16). Returns what was reset. /proc counters cannot be reset: take deltas of them.
 */
export async function resetStatistics(url: string): Promise<{ database: boolean; statements: boolean; io: boolean }> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000, application_name: applicationName });
  c.on('error', () => {});
  await c.connect();
  try {
    await c.query('SELECT pg_stat_reset()');
    const hasPgss = ((await c.query("SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'")).rowCount ?? 0) > 0;
    const statements = hasPgss ? await c.query('SELECT pg_stat_statements_reset()').then(() => true, () => false) : false;
    const hasIo = (await c.query("SELECT to_regclass('pg_catalog.pg_stat_io') IS NOT NULL AS ok")).rows[0].ok as boolean;
    const io = hasIo ? await c.query("SELECT pg_stat_reset_shared('io')").then(() => true, () => false) : false;
    return { database: true, statements, io };
  } finally {
    await c.end().catch(() => {});
  }
}
