// npm run diagnose when things are wrong: each bad input is one line and exit 1; a missing pg_stat_statements is
// said once and the watch goes on from pg_stat_activity; a server killed mid-watch is said once while the other
// is still watched; Ctrl-C writes diagnosis.md. Servers: Debian's PostgreSQL, started here.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freeLoopbackPort } from '../harness/process/ports.ts';
import { serializeTags } from '../shop/sqlcommenter.ts';
import { admin, debianPostgresBin, startDebianPostgres, type DebianPostgres } from './helpers/debian-postgres.ts';
import { startDiagnose } from './helpers/diagnose-child.ts';

const skip = debianPostgresBin() ? false : 'Debian postgresql is not installed (.ci/run installs it)';
const dir = mkdtempSync(path.join(os.tmpdir(), 'loadlab-diagnose-'));
let a: DebianPostgres;
let b: DebianPostgres;
const watcher = (s: DebianPostgres, db = 'postgres') => s.url(db, 'watcher', 'watch');

before(async () => {
  if (skip) return;
  [a, b] = await Promise.all([
    startDebianPostgres({ shared_preload_libraries: 'pg_stat_statements' }),
    startDebianPostgres({ shared_preload_libraries: 'pg_stat_statements' }),
  ]);
  for (const s of [a, b])
    await admin(
      s.url(),
      'CREATE EXTENSION pg_stat_statements',
      "CREATE ROLE watcher LOGIN PASSWORD 'watch' IN ROLE pg_monitor",
      "CREATE ROLE plain LOGIN PASSWORD 'plain'",
      // a database without the extension: the server preloads the library, the database never created it
      'CREATE DATABASE nostats',
    );
});
after(() => {
  a?.remove();
  b?.remove();
  rmSync(dir, { recursive: true, force: true });
});

async function oneLineError(args: string[], message: RegExp): Promise<void> {
  const d = startDiagnose(args);
  const { code } = await d.exited;
  assert.equal(code, 1, d.stderr());
  assert.equal(d.stderr().trimEnd().split('\n').length, 1, d.stderr());
  assert.match(d.stderr(), message);
  assert.doesNotMatch(d.stderr(), /\n\s+at /, 'no stack trace');
  assert.equal(d.stdout(), '');
}

for (const [args, message] of [
  [['--interval-s', '0'], /^error: --interval-s '0' is not valid \(accepted: seconds from 0.25 to 3600\)/],
  [['--window-s', 'a minute'], /^error: --window-s 'a minute' is not a whole number/],
  [['--window-s', '1', '--interval-s', '5'], /^error: --window-s 1 is shorter than --interval-s 5/],
  [['--duration-s', '0'], /^error: --duration-s 0 is out of range/],
  [['--database-url', 'mysql://h/db'], /^error: --database-url scheme 'mysql:' is not supported/],
  [['--database-url', 'postgres://h:5432'], /^error: --database-url 'h:5432' names no database/],
  [['--database-url', 'not a url'], /^error: --database-url 'not a url' is not a URL/],
  [['--out', '/etc/passwd/x'], /^error: --out \/etc\/passwd\/x is not a writable folder/],
  [['--bogus'], /^error: Unknown option '--bogus'.*accepted flags/],
] as const) {
  test(`${args.join(' ')}: one line, exit 1`, () => oneLineError([...args], message));
}

test('an unreachable server: one line, exit 1', async () => {
  const port = await freeLoopbackPort();
  await oneLineError(
    ['--database-url', `postgres://watcher@127.0.0.1:${port}/postgres`],
    new RegExp(`^error: cannot reach 127.0.0.1:${port}/postgres: connect ECONNREFUSED`),
  );
});

test('a role without pg_monitor: one line naming the grant, exit 1', { skip }, () =>
  oneLineError(
    ['--database-url', a.url('postgres', 'plain', 'plain')],
    /^error: role plain on 127\.0\.0\.1:\d+\/postgres lacks pg_monitor.*GRANT pg_monitor TO plain/,
  ),
);

test('without pg_stat_statements: said once, then verdicts from pg_stat_activity', {
  skip,
  timeout: 30_000,
}, async () => {
  const d = startDiagnose(['--database-url', watcher(a, 'nostats'), '--json', '--duration-s', '4']);
  const { code } = await d.exited;
  assert.equal(code, 0, d.stderr());
  assert.equal(d.stderr().match(/pg_stat_statements is not available/g)?.length, 1, d.stderr());
  assert.ok(d.lines.length >= 3, d.stdout());
  assert.ok(d.lines.every((l) => l.servers[0].state === 'quiet'));
});

test('piped: one line per change of verdict, not per interval', { skip, timeout: 30_000 }, async () => {
  const d = startDiagnose(['--database-url', watcher(b), '--duration-s', '4']);
  const { code } = await d.exited;
  assert.equal(code, 0, d.stderr());
  const lines = d.stdout().trimEnd().split('\n');
  assert.equal(lines.length, 1, d.stdout());
  assert.match(
    lines[0],
    new RegExp(`^\\d\\d:\\d\\d:\\d\\d 127\\.0\\.0\\.1:${b.port}/postgres \\(primary\\): quiet, 0\\.\\d\\d running$`),
  );
  assert.match(d.stderr(), /own cost on 127\.0\.0\.1:\d+\/postgres: its statements ran \d+\.\d\d % of the time/);
});

test('tags cut off by track_activity_query_size: said once, with the setting to raise', {
  skip,
  timeout: 30_000,
}, async () => {
  const d = startDiagnose(['--database-url', watcher(b), '--json']);
  const c = new pg.Client(b.url());
  await c.connect();
  try {
    await d.waitFor(() => true, 20_000);
    // a statement longer than the 1024 bytes pg_stat_activity keeps by default, its tags at the end
    const long = `SELECT pg_sleep(1.5) /* ${'x'.repeat(1100)} */ ${serializeTags({ organizer: 'o', event: 'e' })}`;
    await Promise.all([c.query(long), d.waitForNote(/lose their sqlcommenter tags/, 20_000)]);
    assert.match(d.stderr(), /track_activity_query_size \(1024 bytes\).*raise it/);
  } finally {
    await c.end();
    d.child.kill('SIGINT');
    await d.exited;
  }
});

test('a server killed mid-watch: said once, the other still watched; Ctrl-C writes diagnosis.md', {
  skip,
  timeout: 60_000,
}, async () => {
  const out = path.join(dir, 'kill');
  const d = startDiagnose(['--database-url', watcher(a), '--database-url', watcher(b), '--json', '--out', out]);
  try {
    await d.waitFor((l) => l.servers.length === 2, 20_000);
    a.stop('immediate');
    const gone = await d.waitFor((l) => l.unreachable.length === 1, 20_000);
    assert.equal(gone.unreachable[0], `127.0.0.1:${a.port}/postgres`);
    assert.deepEqual(
      gone.servers.map((s) => s.name),
      [`127.0.0.1:${b.port}/postgres`],
    );
    assert.match(gone.platform ?? '', /not answering: 127\.0\.0\.1:\d+\/postgres/);
    // the watch goes on: three more lines about the survivor
    const at = d.lines.indexOf(gone);
    await d.waitFor(() => d.lines.length >= at + 4, 20_000);
    assert.equal(d.stderr().match(/went away/g)?.length, 1, d.stderr());
    assert.match(
      d.stderr(),
      new RegExp(`note: 127\\.0\\.0\\.1:${a.port}/postgres went away \\(.+\\); watching the others`),
    );
    assert.doesNotMatch(d.stderr(), /\n\s+at /, 'no stack trace');
  } finally {
    d.child.kill('SIGINT');
  }
  const { code } = await d.exited;
  assert.equal(code, 130, d.stderr());
  const md = readFileSync(path.join(out, 'diagnosis.md'), 'utf8');
  assert.match(md, /^# Live diagnosis/);
  assert.match(md, /## Verdicts over time/);
  assert.match(md, new RegExp(`127\\.0\\.0\\.1:${a.port}/postgres \\| unreachable`));
  assert.match(md, /went away/);
  assert.match(md, /its statements ran \d+\.\d+ % .* of the watch's \d+ s on the server/);
  assert.deepEqual(readdirSync(out).sort(), ['diagnosis.md', 'diagnosis.ndjson'], 'no half-written file left');
  const ndjson = readFileSync(path.join(out, 'diagnosis.ndjson'), 'utf8');
  assert.ok(ndjson.endsWith('\n'));
  assert.ok(ndjson.trim().split('\n').length >= d.lines.length - 1);
  assert.ok(existsSync(path.join(out, 'diagnosis.md')));
});
