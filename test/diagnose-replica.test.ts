// A primary and its streaming replica (Debian's PostgreSQL), as pretix ran them: the post-mortem's operators
// re-routed queries and saw the load move without the problem going away. diagnose must say which server holds
// the load and each one's role, and, once the same report runs on both, that the load moved and the cause did not.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { appendTags } from '../shop/sqlcommenter.ts';
import {
  admin,
  debianPostgresBin,
  startDebianPostgres,
  startDebianReplica,
  type DebianPostgres,
} from './helpers/debian-postgres.ts';
import { startDiagnose } from './helpers/diagnose-child.ts';

const skip = debianPostgresBin() ? false : 'Debian postgresql is not installed (.ci/run installs it)';
const settings = { shared_preload_libraries: 'pg_stat_statements', work_mem: '64kB' };
let primary: DebianPostgres;
let replica: DebianPostgres;
const REPORT = appendTags('SELECT count(DISTINCT note || id::text) FROM sales WHERE organizer = $1', {
  organizer: 'bigshop',
  route: 'report',
});

before(async () => {
  if (skip) return;
  primary = await startDebianPostgres(settings);
  await admin(
    primary.url(),
    'CREATE EXTENSION pg_stat_statements',
    'CREATE TABLE sales (organizer text NOT NULL, id int NOT NULL, note text NOT NULL, PRIMARY KEY (organizer, id))',
    `INSERT INTO sales SELECT 'bigshop', i, md5(i::text) FROM generate_series(1, 100000) i`,
    'VACUUM ANALYZE sales',
    "CREATE ROLE watcher LOGIN PASSWORD 'watch' IN ROLE pg_monitor",
  );
  replica = await startDebianReplica(primary, settings);
});
after(() => {
  replica?.remove();
  primary?.remove();
});

/** three clients running the report on one server until told to stop (at most 60 s, at most 2,000 each) */
function reports(url: string): { stop(): Promise<void> } {
  let stopped = false;
  const until = Date.now() + 60_000;
  const clients = [0, 1, 2].map(async () => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      for (let i = 0; i < 2000 && !stopped && Date.now() < until; i++) await c.query(REPORT, ['bigshop']);
    } finally {
      await c.end();
    }
  });
  return {
    stop: async () => {
      stopped = true;
      await Promise.all(clients);
    },
  };
}

test('roles, where the load is, and the same cause on both: the load moved', { skip, timeout: 150_000 }, async () => {
  const p = `127.0.0.1:${primary.port}/postgres`;
  const r = `127.0.0.1:${replica.port}/postgres`;
  const d = startDiagnose([
    '--database-url',
    primary.url('postgres', 'watcher', 'watch'),
    '--database-url',
    replica.url('postgres', 'watcher', 'watch'),
    '--window-s',
    '20',
    '--json',
  ]);
  try {
    const first = await d.waitFor((l) => l.servers.length === 2, 20_000);
    assert.deepEqual(
      first.servers.map((s) => [s.name, s.role]),
      [
        [p, 'primary'],
        [r, 'replica'],
      ],
    );
    // the reads go to the replica first, as pretix sends its GET pages there
    let load = reports(replica.url());
    const onReplica = await d.waitFor((l) => l.servers[1]?.cause !== null && l.servers[1]?.cause !== undefined, 60_000);
    assert.equal(onReplica.servers[0].state, 'quiet');
    assert.match(onReplica.platform ?? '', new RegExp(`^load on ${r.replaceAll('.', '\\.')} \\(replica, stressed`));
    assert.deepEqual(onReplica.servers[1].cause?.tenants[0].tags, { organizer: 'bigshop' });
    // the operators re-route: the same report now runs on the primary
    // enough stress in the replica's window that it stays stressed a while after the move
    await d.waitFor((l) => (l.servers[1]?.running_avg ?? 0) >= 2, 30_000);
    await load.stop();
    load = reports(primary.url());
    try {
      const moved = await d.waitFor((l) => /the load moved, the cause did not/.test(l.platform ?? ''), 30_000);
      assert.equal(moved.servers[0].cause?.fingerprint, onReplica.servers[1].cause?.fingerprint);
      assert.equal(moved.servers[1].cause?.fingerprint, onReplica.servers[1].cause?.fingerprint);
    } finally {
      await load.stop();
    }
  } finally {
    d.child.kill('SIGINT');
    await d.exited;
  }
});
