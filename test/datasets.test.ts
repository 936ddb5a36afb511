import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import pg from 'pg';
import { openDatabase, type Database } from '../harness/db/database.ts';
import { prepareDataset, ownedTables } from '../datasets/prepare.ts';
import { backgroundPresetFor, datesSpec, presetSpec, presets, seriesSpec } from '../datasets/presets.ts';
import { HOT_ITEMS, EXTRAS_EVERY } from '../datasets/hot-series.ts';
import { readManifest } from '../datasets/manifest.ts';
import { UserError } from '../common/user-error.ts';
import { stateDir } from '../harness/files/paths.ts';
import { ownDataDir } from './helpers/db.ts';
import { postmastersOn, runCli } from './helpers/processes.ts';

const testDataDir = ownDataDir(import.meta.url);

const dbs: Database[] = [];
async function database(name: string): Promise<Database> {
  const db = await openDatabase({ dataDir: testDataDir, database: name });
  dbs.push(db);
  return db;
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const c = new pg.Client(url);
  await c.connect();
  try {
    return (await c.query<T>(sql, params)).rows;
  } finally {
    await c.end();
  }
}

/** md5 over a table's rows in id order: equal bytes in the database, not only an equal generator stream */
async function tableDigest(url: string, table: string): Promise<string> {
  const [r] = await query<{ md5: string }>(
    url,
    `SELECT md5(string_agg(t::text, '|' ORDER BY t.id)) AS md5 FROM ${table} t`,
  );
  return r.md5;
}

let tiny: Database;
before(async () => {
  // a database of its own, seeded afresh: other tests' carts and orders must not blur the counts
  tiny = await database('loadlab_counts');
  await prepareDataset(tiny.url, { spec: presets.tiny, seed: 42, force: true });
});

after(async () => {
  for (const db of dbs.reverse()) await db.close();
  assert.deepEqual(postmastersOn(testDataDir), [], 'no postgres process remains on the test data folder');
});

test('tiny has the preset date count and the row counts its manifest claims', async () => {
  const [hot] = await query<{ n: number }>(
    tiny.url,
    `SELECT count(*)::int AS n FROM pretixbase_subevent s JOIN pretixbase_event e ON e.id = s.event_id JOIN pretixbase_organizer o ON o.id = e.organizer_id WHERE o.slug = 'citymuseum' AND e.slug = 'timeslots'`,
  );
  assert.equal(hot.n, 300);
  const c = new pg.Client(tiny.url);
  await c.connect();
  const manifest = await readManifest(c);
  await c.end();
  assert.ok(manifest);
  for (const table of ownedTables) {
    const [r] = await query<{ n: number }>(tiny.url, `SELECT count(*)::int AS n FROM ${table}`);
    assert.equal(r.n, manifest.row_counts[table] ?? 0, `${table} row count`);
  }
  // the hot series' quota shape: one admission quota per date, an extras quota every third date
  const [q] = await query<{ quotas: number; links: number; vlinks: number }>(
    tiny.url,
    `
    SELECT (SELECT count(*)::int FROM pretixbase_quota WHERE event_id = 1) AS quotas,
           (SELECT count(*)::int FROM pretixbase_quota_items qi JOIN pretixbase_quota q ON q.id = qi.quota_id WHERE q.event_id = 1) AS links,
           (SELECT count(*)::int FROM pretixbase_quota_variations qv JOIN pretixbase_quota q ON q.id = qv.quota_id WHERE q.event_id = 1) AS vlinks`,
  );
  const extrasDates = Math.ceil(300 / EXTRAS_EVERY);
  const admission = HOT_ITEMS.filter((i) => i.quota === 'admission');
  const extras = HOT_ITEMS.filter((i) => i.quota === 'extras');
  assert.equal(q.quotas, 300 + extrasDates);
  assert.equal(q.links, 300 * admission.length + extrasDates * extras.length);
  assert.equal(q.vlinks, 300 * admission.reduce((s, i) => s + i.variations.length, 0));
  // background shops exist, with dates of their own
  const [bg] = await query<{ events: number; dates: number; orders: number }>(
    tiny.url,
    `
    SELECT (SELECT count(*)::int FROM pretixbase_event WHERE id <> 1) AS events,
           (SELECT count(*)::int FROM pretixbase_subevent WHERE event_id <> 1) AS dates,
           (SELECT count(*)::int FROM pretixbase_order) AS orders`,
  );
  assert.equal(bg.events, presets.tiny.backgroundEvents);
  assert.ok(bg.dates > 0 && bg.orders > 0);
});

test('a second prepare with the same preset and seed reuses the data', async () => {
  const again = await prepareDataset(tiny.url, { spec: presets.tiny, seed: 42 });
  assert.equal(again.reused, true);
  // how fast a reuse is (under 2 s) is npm run bench:budgets' to check: a busy machine must not fail this test
});

test('same preset and seed give identical data; another seed differs', async () => {
  const spec = datesSpec(120);
  const db = await database('loadlab_determinism');
  const first = await prepareDataset(db.url, { spec, seed: 7 });
  const digests = await Promise.all(
    ['pretixbase_subevent', 'pretixbase_quota', 'pretixbase_order', 'pretixbase_orderposition', 'pretixbase_item'].map(
      (t) => tableDigest(db.url, t),
    ),
  );
  const second = await prepareDataset(db.url, { spec, seed: 7, force: true });
  assert.equal(second.reused, false);
  assert.equal(second.manifest.checksum, first.manifest.checksum);
  const digests2 = await Promise.all(
    ['pretixbase_subevent', 'pretixbase_quota', 'pretixbase_order', 'pretixbase_orderposition', 'pretixbase_item'].map(
      (t) => tableDigest(db.url, t),
    ),
  );
  assert.deepEqual(digests2, digests);
  const other = await prepareDataset(db.url, { spec, seed: 8 });
  assert.equal(other.reused, false, 'another seed reseeds');
  assert.notEqual(other.manifest.checksum, first.manifest.checksum);
  assert.notEqual(await tableDigest(db.url, 'pretixbase_order'), digests[2]);
});

test('prepare refuses a database with tables it did not create, unless --force', async () => {
  const db = await database('loadlab_safety');
  await query(db.url, 'DROP TABLE IF EXISTS customer_data, pretixbase_item, loadlab_manifest CASCADE');
  await query(db.url, 'CREATE TABLE customer_data (id int primary key, email text)');
  await query(db.url, "INSERT INTO customer_data VALUES (1, 'someone@example.org')");
  const spec = datesSpec(30);
  await assert.rejects(
    prepareDataset(db.url, { spec, seed: 1 }),
    (err: unknown) => err instanceof UserError && /customer_data/.test(err.message) && /--force/.test(err.message),
  );
  const forced = await prepareDataset(db.url, { spec, seed: 1, force: true });
  assert.equal(forced.reused, false);
  const [kept] = await query<{ n: number }>(db.url, 'SELECT count(*)::int AS n FROM customer_data');
  assert.equal(kept.n, 1, 'a table loadlab did not create is never dropped');

  // pretix tables without a loadlab manifest are someone's data too
  await query(db.url, 'DROP TABLE customer_data');
  await query(db.url, 'DROP TABLE loadlab_manifest');
  await assert.rejects(
    prepareDataset(db.url, { spec, seed: 1 }),
    (err: unknown) => err instanceof UserError && /without a loadlab manifest/.test(err.message),
  );
});

test('bad input gets one line naming the value, and a non-zero exit', async () => {
  const env = { LOADLAB_PGDATA: testDataDir };
  const cases: [string[], NodeJS.ProcessEnv, RegExp][] = [
    [
      ['--preset', 'huge'],
      env,
      /unknown preset 'huge' \(accepted: tiny, small, incident, xl, dates-N for a series of N dates, or PRESET-N/,
    ],
    [['--preset', 'tiny', '--seed', 'abc'], env, /--seed 'abc'/],
    [['--preset', 'tiny', '--colour'], env, /--colour/],
    [['--preset', 'tiny'], { DATABASE_URL: 'mysql://x@127.0.0.1/db' }, /DATABASE_URL scheme 'mysql:'/],
    [['--preset', 'tiny'], { DATABASE_URL: 'not a url' }, /DATABASE_URL 'not a url' is not a URL/],
    [
      ['--preset', 'tiny'],
      { DATABASE_URL: 'postgres://nobody@127.0.0.1:1/loadlab' },
      /cannot connect to DATABASE_URL postgres:\/\/nobody@127\.0\.0\.1:1\/loadlab/,
    ],
  ];
  for (const [args, extraEnv, expected] of cases) {
    const r = await runCli('dataset:prepare', args, extraEnv);
    assert.equal(r.code, 1, `${args.join(' ')}: exit code (stderr: ${r.stderr})`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `${args.join(' ')}: one line, got: ${r.stderr}`);
    assert.match(lines[0], expected);
  }
});

/** The manifest of a preset's database in a data folder, and how many quota links its table really holds. */
async function seededState(
  dataDir: string,
  preset: string,
): Promise<{ manifest: Awaited<ReturnType<typeof readManifest>>; quotaItems: number | null }> {
  const db = await openDatabase({ dataDir, database: `loadlab_${preset}` });
  try {
    const c = new pg.Client(db.url);
    await c.connect();
    try {
      const manifest = await readManifest(c);
      const [t] = (
        await c.query<{ present: boolean }>(
          "SELECT to_regclass('public.pretixbase_quota_items') IS NOT NULL AS present",
        )
      ).rows;
      const quotaItems = t.present
        ? (await c.query<{ n: number }>('SELECT count(*)::int AS n FROM pretixbase_quota_items')).rows[0].n
        : null;
      return { manifest, quotaItems };
    } finally {
      await c.end();
    }
  } finally {
    await db.close();
  }
}

test('Ctrl-C in the middle of a seed stops postgres and leaves nothing marked as seeded', async () => {
  const dataDir = path.join(stateDir, 'test-sigint-pgdata');
  // A complete seed first: the interrupted --force reseed must leave exactly it in place. The incident preset,
  // so that a second of loading and indexing still lies ahead when the signal lands (small's whole seed
  // takes a third of a second and could commit before the signal arrives).
  const first = await runCli('dataset:prepare', ['--preset', 'incident'], { LOADLAB_PGDATA: dataDir });
  assert.equal(first.code, 0, first.stderr);
  const before = await seededState(dataDir, 'incident');
  assert.ok(before.manifest, 'the first seed wrote its manifest');
  let sent = false;
  const r = await runCli(
    'dataset:prepare',
    ['--preset', 'incident', '--force'],
    { LOADLAB_PGDATA: dataDir, LOADLAB_VERBOSE: '1' },
    (text, kill) => {
      if (!sent && /loading pretixbase_quota_items/.test(text)) {
        sent = true;
        kill('SIGINT');
      }
    },
  );
  assert.ok(sent, `the seed reached its loading phase: ${r.stderr}`);
  assert.equal(r.code, 130, r.stderr);
  assert.deepEqual(postmastersOn(dataDir), [], 'no postgres process remains');
  // --force dropped nothing either: the transaction rolled back as a whole, so the earlier seed is intact
  const after = await seededState(dataDir, 'incident');
  assert.deepEqual(after.manifest, before.manifest, 'the manifest is still the earlier complete one');
  assert.equal(
    after.quotaItems,
    before.manifest!.row_counts.pretixbase_quota_items,
    'its tables hold the rows it claims',
  );
  assert.deepEqual(postmastersOn(dataDir), []);
});

test('even a SIGKILL of the harness leaves no orphan postgres (parent-death signal)', async () => {
  const dataDir = path.join(stateDir, 'test-sigint-pgdata');
  let sent = false;
  await runCli(
    'dataset:prepare',
    ['--preset', 'small', '--force'],
    { LOADLAB_PGDATA: dataDir, LOADLAB_VERBOSE: '1' },
    (text, kill) => {
      if (!sent && /loading/.test(text)) {
        sent = true;
        kill('SIGKILL');
      }
    },
  );
  assert.ok(sent);
  const deadline = Date.now() + 15_000;
  while (postmastersOn(dataDir).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(postmastersOn(dataDir), [], 'postgres stopped itself once its parent died');
});

test('custom sizes have names every command accepts, and map back to the presets they equal', () => {
  assert.equal(presetSpec('dates-1000').dates, 1000);
  assert.equal(presetSpec('dates-1000').name, 'dates-1000');
  assert.equal(presetSpec('dates-3000'), presets.small);
  assert.throws(() => presetSpec('dates-0'), UserError);
  assert.throws(() => presetSpec('dates-x'), /dates-N/);
});

test("a sweep's sizes share one background: PRESET-N is N dates beside that preset's other organizers", () => {
  const sized = presetSpec('incident-1000');
  assert.equal(sized.name, 'incident-1000');
  assert.equal(sized.dates, 1000);
  assert.equal(sized.backgroundEvents, presets.incident.backgroundEvents);
  assert.notEqual(sized.backgroundEvents, datesSpec(1000).backgroundEvents, 'dates-N keeps the preset below');
  assert.equal(seriesSpec(30_000, 'incident'), presets.incident, 'the preset itself where the sizes meet');
  assert.equal(seriesSpec(1000, backgroundPresetFor(30_000)).name, 'incident-1000');
  assert.equal(backgroundPresetFor(29_999), 'small');
  assert.equal(backgroundPresetFor(100), 'tiny');
  assert.throws(() => presetSpec('huge-1000'), /PRESET-N/);
  assert.throws(() => presetSpec('incident-0'), /date count '0'/);
});
