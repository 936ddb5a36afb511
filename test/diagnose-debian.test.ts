// The key check: npm run diagnose against a PostgreSQL loadlab did not start (Debian's package, another
// major version than the embedded 18), under a workload that is not loadlab's shop: one tenant's spilling report
// among light lookups of other tenants, all tagged with sqlcommenter. It must stay quiet while the server idles,
// then name the report and its tenant within 60 s, and never name a light lookup.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { appendTags } from '../shop/sqlcommenter.ts';
import { normaliseStatement } from '../harness/stats/fingerprint.ts';
import { admin, debianPostgresBin, startDebianPostgres, type DebianPostgres } from './helpers/debian-postgres.ts';
import { startDiagnose } from './helpers/diagnose-child.ts';

const skip = debianPostgresBin() ? false : 'Debian postgresql is not installed (.ci/run installs it)';
let server: DebianPostgres;

const REPORT = 'SELECT count(DISTINCT note || id::text) AS n FROM sales WHERE organizer = $1';
const LOOKUP = 'SELECT id, amount FROM sales WHERE organizer = $1 AND id = $2';

before(async () => {
  if (skip) return;
  // work_mem at its floor: the report's sort spills, as the incident's did
  server = await startDebianPostgres({ shared_preload_libraries: 'pg_stat_statements', work_mem: '64kB' });
  await admin(
    server.url(),
    'CREATE EXTENSION pg_stat_statements',
    'CREATE TABLE sales (organizer text NOT NULL, id int NOT NULL, amount int NOT NULL, note text NOT NULL, PRIMARY KEY (organizer, id))',
    `INSERT INTO sales SELECT 'bigshop', i, i % 97, md5(i::text) FROM generate_series(1, 150000) i`,
    `INSERT INTO sales SELECT 'shop' || (i % 20), i, i % 13, md5(i::text) FROM generate_series(1, 20000) i`,
    'VACUUM ANALYZE sales',
    "CREATE ROLE watcher LOGIN PASSWORD 'watch' IN ROLE pg_monitor",
  );
});
after(() => server?.remove());

/** clients looping until the deadline (bounded in time and count), every statement tagged with its tenant */
async function loop(url: string, deadline: () => boolean, body: (c: pg.Client, i: number) => Promise<void>) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    for (let i = 0; i < 100_000 && !deadline(); i++) await body(c, i);
  } finally {
    await c.end();
  }
}

test('quiet while idle, then names the spilling report and its tenant within 60 s, never a lookup', {
  skip,
  timeout: 120_000,
}, async () => {
  const d = startDiagnose(['--database-url', server.url('postgres', 'watcher', 'watch'), '--json']);
  try {
    await d.waitFor(() => d.lines.length >= 8, 30_000);
    for (const l of d.lines) {
      assert.equal(l.servers[0].state, 'quiet', JSON.stringify(l));
      assert.equal(l.servers[0].cause, null);
    }
    const idleLines = d.lines.length;

    let stop = false;
    const loadStart = Date.now();
    const done = () => stop || Date.now() - loadStart > 75_000;
    const tagged = (sql: string, organizer: string, route: string) =>
      appendTags(sql, { organizer, event: 'main', route });
    const load = [
      ...[0, 1].map(() =>
        loop(server.url(), done, async (c) => {
          await c.query(tagged(REPORT, 'bigshop', 'report'), ['bigshop']);
        }),
      ),
      ...[0, 1, 2].map((k) =>
        loop(server.url(), done, async (c, i) => {
          const shop = `shop${(i + k) % 20}`;
          await c.query(tagged(LOOKUP, shop, 'product'), [shop, (i * 7 + k) % 20000]);
          await new Promise((r) => setTimeout(r, 5)); // a person's page view, not a benchmark
        }),
      ),
    ];
    const named = await d.waitFor((l) => l.servers[0]?.cause !== null && l.servers[0]?.cause !== undefined, 60_000);
    const namedAfterS = (Date.parse(named.at) - loadStart) / 1000;
    // a few more verdicts under the load, so a wrong cause would have its chance to show
    await d.waitFor(() => d.lines.length >= d.lines.indexOf(named) + 6, 20_000);
    stop = true;
    await Promise.all(load);

    const cause = named.servers[0].cause!;
    assert.equal(cause.fingerprint, normaliseStatement(REPORT).fingerprint, JSON.stringify(cause));
    assert.deepEqual(cause.tenants[0].tags, { event: 'main', organizer: 'bigshop' });
    assert.ok(cause.tenants[0].share >= 0.75, JSON.stringify(cause.tenants));
    assert.ok(cause.temp_bytes_per_s > 0, 'the report spills');
    assert.ok(namedAfterS <= 60, `named after ${namedAfterS} s`);
    const lookup = normaliseStatement(LOOKUP).fingerprint;
    for (const l of d.lines.slice(idleLines)) {
      const fp = l.servers[0].cause?.fingerprint;
      assert.notEqual(fp, lookup, `a light lookup named the cause: ${JSON.stringify(l.servers[0])}`);
      if (fp) assert.equal(fp, cause.fingerprint);
    }
    process.stderr.write(
      `# Debian PostgreSQL ${server.version}: cause named ${namedAfterS.toFixed(1)} s after the load began\n`,
    );
  } finally {
    d.child.kill('SIGINT');
    await d.exited;
  }
});
