// The sampler against the real test database: a spilling, tagged query must show up in every source.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { ownDataDir, testDataset } from './helpers/db.ts';
import {
  startSampler,
  resetStatistics,
  readSamples,
  phaseDeltas,
  queryTexts,
  type Sample,
} from '../harness/stats/index.ts';

let ds: Awaited<ReturnType<typeof testDataset>>;
let dir: string;
before(async () => {
  ds = await testDataset(ownDataDir(import.meta.url));
  dir = mkdtempSync(path.join(os.tmpdir(), 'loadlab-stats-'));
});
after(async () => {
  await ds?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function connect(): Promise<pg.Client> {
  const c = new pg.Client(ds.db.url);
  await c.connect();
  return c;
}

/** A sort far bigger than 64kB of work_mem: an external merge, written to temp files. Tagged inside the
 * statement, where pg_stat_statements keeps the comment. */
const spillSql = `SELECT /* loadlab:product-list:before */ g FROM generate_series(1, 200000) g ORDER BY md5(g::text) OFFSET 199999`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** pg_stat_database is published by each backend when it goes idle, at most once a second: wait for it. */
async function waitFor(check: () => Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(100);
  }
  assert.fail(`condition not met within ${ms} ms`);
}

const last = (samples: Sample[]) => samples.filter((s) => !s.error).at(-1)!;

test('a spilling tagged query shows in temp bytes, its pg_stat_statements row, and /proc', async () => {
  const reset = await resetStatistics(ds.db.url);
  assert.deepEqual(reset, { database: true, statements: true, io: true });
  const file = path.join(dir, 'spill.ndjson');
  const sampler = await startSampler({
    url: ds.db.url,
    intervalMs: 200,
    outFile: file,
    postmasterPid: ds.db.server!.pid,
  });
  const work = await connect();
  try {
    await sleep(300);
    await work.query("SET work_mem = '64kB'");
    await work.query(spillSql);
    await work.query(spillSql);
    await work.query('SELECT pg_stat_force_next_flush()');
    await waitFor(async () => {
      const { rows } = await work.query<{ t: string }>(
        'SELECT temp_bytes::text AS t FROM pg_stat_database WHERE datname = current_database()',
      );
      return Number(rows[0].t) > 0;
    });
    await sleep(450);
  } finally {
    await work.end();
  }
  const summary = await sampler.stop();
  const samples = await readSamples(file);
  assert.equal(summary.samples, samples.length);
  assert.ok(samples.length >= 5, `${samples.length} samples`);
  assert.equal(summary.errors, 0);
  const first = samples[0];
  const end = last(samples);

  assert.ok(end.database!.temp_bytes > first.database!.temp_bytes, 'temp_bytes grew');
  assert.ok(end.database!.temp_files >= 2);
  const before = end.statements!.before;
  assert.ok(before, `variant 'before' found: ${JSON.stringify(end.statements)}`);
  assert.equal(before.calls, 2);
  assert.ok(before.temp_blks_written > 0, 'temp_blks_written counted');
  assert.ok(end.io!.total.reads >= 0 && end.io!.by_backend['client backend'] !== undefined);
  assert.ok(end.activity!.connections >= 0);

  // proc: present, and never going down, for the embedded server
  const procs = samples.map((s) => s.proc);
  assert.ok(
    procs.every((p) => p !== null && p.read_bytes !== null),
    'proc figures in every sample',
  );
  for (let i = 1; i < procs.length; i++) {
    for (const k of ['cpu_ms', 'read_bytes', 'write_bytes', 'rchar', 'wchar'] as const) {
      assert.ok(procs[i]![k]! >= procs[i - 1]![k]!, `${k} monotonic at ${i}`);
    }
  }
  assert.ok(procs.at(-1)!.cpu_ms > procs[0]!.cpu_ms, 'the sorts cost CPU');
  assert.ok(procs.at(-1)!.wchar! - procs[0]!.wchar! > 1_000_000, 'the spill was written through the OS');

  const [whole] = phaseDeltas(samples, [{ name: 'all', startMs: first.ts_ms, endMs: end.ts_ms }], {
    variant: 'before',
  });
  assert.equal(whole.product_list_query?.calls, 2);
  // every statement, not only the tagged one: the spill by its queryid, with its text written once
  const texts = queryTexts(samples);
  const spillId = [...texts].find(([, t]) => t.includes('md5(g::text)'))?.[0];
  assert.ok(spillId, `the spill's text was recorded: ${[...texts.values()].join(' | ')}`);
  assert.equal(samples.filter((x) => x.query_texts?.[spillId] !== undefined).length, 1);
  const spill = whole.queries?.[spillId];
  assert.equal(spill?.calls, 2);
  assert.ok(spill.temp_blocks > before.temp_blks_written, `temp blocks read and written: ${JSON.stringify(spill)}`);
  assert.equal(spill.temp_written, before.temp_blks_written);
  assert.equal(spill.calls, before.calls);
  assert.ok((whole.temp_bytes ?? 0) > 1_000_000);
  assert.ok(whole.series.length >= 4);

  // the sampler's own cost per sample has its budget (50 ms) in npm run bench:budgets, on a quiet machine
  assert.ok(summary.cost_ms.mean > 0, `sampler cost ${summary.cost_ms.mean} ms per sample, measured`);
});

test('a tag only in a leading comment is dropped by pg_stat_statements, but learned from pg_stat_activity', async () => {
  await resetStatistics(ds.db.url);
  const file = path.join(dir, 'leading.ndjson');
  const sampler = await startSampler({ url: ds.db.url, intervalMs: 100, outFile: file });
  const work = await connect();
  try {
    // long enough to be caught running by a sample
    await work.query(
      '/* loadlab:product-list:after */ SELECT pg_sleep(0.5), count(*) FROM generate_series(1, $1::int)',
      [10],
    );
    const { rows } = await work.query<{ query: string }>(
      "SELECT query FROM pg_stat_statements WHERE query LIKE '%pg_sleep(%generate_series%'",
    );
    assert.equal(rows.length, 1);
    assert.ok(
      !rows[0].query.includes('loadlab:'),
      `PostgreSQL ${ds.db.postgresVersion} kept the leading comment: ${rows[0].query}`,
    );
    await sleep(250);
  } finally {
    await work.end();
  }
  await sampler.stop();
  const samples = await readSamples(file);
  assert.equal(last(samples).statements!.after?.calls, 1);
  // without process ids (an external server) proc is null, and said once
  assert.ok(samples.every((s) => s.proc === null));
  assert.ok(samples[0].notes?.some((n) => n.includes('proc is null')));
  assert.ok(samples.slice(1).every((s) => s.notes === undefined));
});

test('a matcher of fragments per variant, and the sampler carries on when its connection is killed', async () => {
  await resetStatistics(ds.db.url);
  const file = path.join(dir, 'killed.ndjson');
  const sampler = await startSampler({
    url: ds.db.url,
    intervalMs: 100,
    outFile: file,
    queryMatch: { fast: 'generate_series\\(\\$1::int, \\$2\\)', slow: 'md5\\(g::text\\)' },
  });
  const work = await connect();
  try {
    // fragments match the normalised text: the constant 7 is stored as $2
    await work.query('SELECT count(*) FROM generate_series($1::int, 7)', [1]);
    await sleep(250);
    const killed = await work.query(
      "SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = 'loadlab-db-stats'",
    );
    assert.equal(killed.rowCount, 1);
    await sleep(400);
  } finally {
    await work.end();
  }
  await sampler.stop();
  const samples = await readSamples(file);
  const kills = samples.findIndex((s) => s.error !== undefined);
  // the kill may land between samples (then no sample fails); either way sampling went on with a new connection
  assert.ok(samples.length >= 6);
  assert.ok(samples.slice(Math.max(kills, 0) + 1).some((s) => s.database !== null));
  assert.ok(samples.every((s) => s.error === undefined || (s.database === null && s.statements === null)));
  assert.equal(last(samples).statements!.fast?.calls, 1);
  assert.equal(last(samples).statements!.slow, undefined);
});

test('resetStatistics zeroes the database counters and the statement rows', async () => {
  const work = await connect();
  try {
    await work.query("SET work_mem = '64kB'");
    await work.query(spillSql);
    await work.query('SELECT pg_stat_force_next_flush()');
    await work.query('SELECT 1');
    await resetStatistics(ds.db.url);
    const fresh = await connect();
    try {
      const db = await fresh.query<{ t: string }>(
        'SELECT temp_bytes::text AS t FROM pg_stat_database WHERE datname = current_database()',
      );
      assert.equal(db.rows[0].t, '0');
      const s = await fresh.query("SELECT 1 FROM pg_stat_statements WHERE query LIKE '%loadlab:product-list:before%'");
      assert.equal(s.rowCount, 0);
    } finally {
      await fresh.end();
    }
  } finally {
    await work.end();
  }
});
