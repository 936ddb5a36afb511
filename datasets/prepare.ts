import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { UserError } from '../common/user-error.ts';
import { generateDataset, GENERATOR_VERSION } from './generate.ts';
import { MANIFEST_TABLE, SCHEMA_VERSION, manifestDdl, readManifest, writeManifest, type Manifest } from './manifest.ts';
import type { DatasetSpec } from './presets.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const schemaSql = readFileSync(path.join(here, 'schema.sql'), 'utf8');
const indexesSql = readFileSync(path.join(here, 'indexes.sql'), 'utf8');

/** The tables loadlab creates: the only ones it will ever drop. */
export const ownedTables: readonly string[] = [...schemaSql.matchAll(/CREATE TABLE (\w+)/g)].map((m) => m[1]);

export interface PrepareOptions {
  spec: DatasetSpec;
  seed: number;
  /** drop and reseed even when the database holds tables or a manifest loadlab did not write */
  force?: boolean;
  log?: (line: string) => void;
  /** aborted (Ctrl-C): the seed stops before its commit and leaves the database as it was */
  signal?: AbortSignal;
}

/** Where a seed's time went, in seconds: generation in Node, then the database's share. */
export interface SeedPhases {
  generate: number;
  /** schema and COPY of every table */
  load: number;
  /** indexes, sequences, manifest and commit */
  indexes: number;
  analyze: number;
}

export interface PrepareResult {
  manifest: Manifest;
  reused: boolean;
  seconds: number;
  /** present when the data was seeded, not reused */
  phases?: SeedPhases;
}

function sameDataset(m: Manifest, spec: DatasetSpec, seed: number): boolean {
  return (
    m.preset === spec.name &&
    m.dates === spec.dates &&
    m.seed === seed &&
    m.schema_version === SCHEMA_VERSION &&
    m.generator_version === GENERATOR_VERSION
  );
}

/** Refuses, unless forced, to touch a database whose tables loadlab did not create. */
async function checkOwnership(
  client: pg.ClientBase,
  manifest: Manifest | undefined,
  force: boolean,
  where: string,
): Promise<void> {
  const { rows } = await client.query<{ tablename: string }>(
    'SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1',
  );
  const present = rows.map((r) => r.tablename);
  const ours = new Set([...ownedTables, MANIFEST_TABLE]);
  const foreign = present.filter((t) => !ours.has(t));
  if (force) return;
  if (foreign.length > 0) {
    const shown = foreign.slice(0, 5).join(', ') + (foreign.length > 5 ? `, and ${foreign.length - 5} more` : '');
    throw new UserError(
      `database ${where} holds tables loadlab did not create (${shown}); refusing to seed it: use an empty database, or pass --force to drop loadlab's tables anyway`,
    );
  }
  const pretixTables = present.filter((t) => t !== MANIFEST_TABLE);
  if (pretixTables.length > 0 && !manifest) {
    throw new UserError(
      `database ${where} holds pretix tables without a loadlab manifest (${pretixTables[0]}, ...): refusing to drop them; pass --force if they are yours to lose`,
    );
  }
}

function mapDbError(err: unknown): never {
  const e = err as { code?: string; message?: string };
  if (e.code?.startsWith('53'))
    throw new UserError(`seeding failed, the server is out of resources (${e.code}): ${e.message}; nothing was kept`);
  if (e.code === '57P01' || e.code === '57P03')
    throw new UserError(`seeding failed, the server shut down (${e.message}); nothing was kept`);
  throw err;
}

async function copyTable(
  client: pg.ClientBase,
  table: string,
  columns: readonly string[],
  chunks: string[],
): Promise<void> {
  // FREEZE: the table was created in this transaction, so rows can be written frozen and all-visible,
  // leaving autovacuum nothing to do in the middle of a later load test.
  const stream = client.query(copyFrom(`COPY ${table} (${columns.join(', ')}) FROM STDIN WITH (FREEZE)`));
  const done = new Promise<void>((resolve, reject) => {
    stream.on('finish', resolve);
    stream.on('error', reject);
  });
  for (const chunk of chunks) {
    if (!stream.write(chunk)) await Promise.race([once(stream, 'drain'), done]);
  }
  stream.end();
  await done;
}

function newClient(url: string): pg.Client {
  const client = new pg.Client({ connectionString: url });
  // a dropped connection surfaces as the failing query's rejection; the client's own event would crash us
  client.on('error', () => {});
  return client;
}

/**
 * VACUUM (ANALYZE) of the seeded tables over two connections: it runs after the commit, table by table, so the
 * work splits cleanly, and on a 2-core machine the second backend takes a third off this phase.
 * VACUUM too, not ANALYZE alone, and after the load's statistics are flushed: otherwise the load's inserts
 * reach the statistics after the ANALYZE, autovacuum vacuums and analyzes every table again within a minute,
 * and the planner's choices change under a running test (the visibility map and page counts it leaves
 * switch the product list between two plans with 2x the rows and 4x the buffers). Seeded tables are settled
 * from the start instead.
 */
async function analyzeTables(url: string, first: pg.Client, rowCounts: Record<string, number>): Promise<void> {
  const halves: string[][] = [[], []];
  const weight = [0, 0];
  for (const table of [...ownedTables].sort((a, b) => (rowCounts[b] ?? 0) - (rowCounts[a] ?? 0))) {
    const k = weight[0] <= weight[1] ? 0 : 1;
    halves[k].push(table);
    weight[k] += rowCounts[table] ?? 0;
  }
  // PostgreSQL >= 15; older servers publish the counters at the end of the session anyway
  await first.query('SELECT pg_stat_force_next_flush()').catch(() => {});
  const second = newClient(url);
  try {
    await second.connect();
    await Promise.all([
      first.query(`VACUUM (ANALYZE) ${halves[0].join(', ')}`),
      second.query(`VACUUM (ANALYZE) ${halves[1].join(', ')}`),
    ]);
  } finally {
    await second.end().catch(() => {});
  }
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new UserError('the seed was interrupted before it committed: the database is as it was');
}

/**
 * Creates the schema and seeds (spec, seed), or reuses the data when the manifest says it is already there.
 * Everything happens in one transaction, the manifest last: an interrupted seed leaves nothing behind.
 */
export async function prepareDataset(url: string, opts: PrepareOptions): Promise<PrepareResult> {
  const t0 = performance.now();
  const log = opts.log ?? (() => {});
  const client = newClient(url);
  await client.connect();
  const where = `${client.host}:${client.port}/${client.database}`;
  try {
    const existing = await readManifest(client);
    if (existing && sameDataset(existing, opts.spec, opts.seed) && !opts.force) {
      return { manifest: existing, reused: true, seconds: (performance.now() - t0) / 1000 };
    }
    await checkOwnership(client, existing, opts.force ?? false, where);

    log(`generating ${opts.spec.name} (${opts.spec.dates} dates, seed ${opts.seed})`);
    const phaseStart = { generate: performance.now(), load: 0, indexes: 0, analyze: 0 };
    const data = generateDataset(opts.spec, opts.seed);
    phaseStart.load = performance.now();
    const hash = createHash('sha256');
    const rowCounts: Record<string, number> = {};

    await client.query('BEGIN');
    try {
      await client.query("SET LOCAL maintenance_work_mem = '512MB'");
      await client.query(`DROP TABLE IF EXISTS ${[...ownedTables, MANIFEST_TABLE].join(', ')} CASCADE`);
      await client.query(schemaSql);
      await client.query(manifestDdl);
      for (const table of data.tables) {
        throwIfAborted(opts.signal);
        const chunks = table.finish();
        hash.update(`${table.table}\n`);
        for (const c of chunks) hash.update(c);
        rowCounts[table.table] = table.rows;
        log(`loading ${table.table} (${table.rows} rows)`);
        await copyTable(client, table.table, table.columns, chunks);
        chunks.length = 0;
      }
      log('building indexes');
      phaseStart.indexes = performance.now();
      await client.query(indexesSql);
      for (const table of ownedTables) {
        // ids come from the generator; new rows (carts, orders) continue after them
        const seq = `${table}_id_seq`;
        await client.query(`CREATE SEQUENCE ${seq} OWNED BY ${table}.id`);
        await client.query(`ALTER TABLE ${table} ALTER COLUMN id SET DEFAULT nextval('${seq}')`);
        await client.query(`SELECT setval('${seq}', COALESCE((SELECT max(id) FROM ${table}), 0) + 1, false)`);
      }
      const manifest: Manifest = {
        created_by: 'loadlab',
        preset: opts.spec.name,
        dates: opts.spec.dates,
        seed: opts.seed,
        schema_version: SCHEMA_VERSION,
        generator_version: GENERATOR_VERSION,
        row_counts: rowCounts,
        checksum: hash.digest('hex'),
        hot_event_id: data.hot.eventId,
        hot_subevent_first: data.hot.firstSubeventId,
        hot_subevent_last: data.hot.lastSubeventId,
        seeded_at: new Date().toISOString(),
        seed_seconds: Math.round((performance.now() - t0) / 10) / 100,
      };
      await writeManifest(client, manifest);
      // the last moment to stop: past the commit the seed is whole
      throwIfAborted(opts.signal);
      await client.query('COMMIT');
      log('analyzing');
      phaseStart.analyze = performance.now();
      await analyzeTables(url, client, rowCounts);
      const end = performance.now();
      const phases: SeedPhases = {
        generate: (phaseStart.load - phaseStart.generate) / 1000,
        load: (phaseStart.indexes - phaseStart.load) / 1000,
        indexes: (phaseStart.analyze - phaseStart.indexes) / 1000,
        analyze: (end - phaseStart.analyze) / 1000,
      };
      return { manifest, reused: false, seconds: (end - t0) / 1000, phases };
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      mapDbError(err);
    }
  } finally {
    await client.end().catch(() => {});
  }
}
