// The live diagnosis' pure parts: the sqlcommenter format both ways, fingerprints that ignore the tags, and
// the verdict rules on figures a window could hold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendTags, parseTagComment, serializeTags, tagsOf } from '../../shop/sqlcommenter.ts';
import { normaliseStatement } from '../../harness/stats/fingerprint.ts';
import { judge } from '../../harness/stats/live/verdict.ts';
import { platformLine } from '../../harness/stats/live/advice.ts';
import { statementDeltas, type WindowFigures } from '../../harness/stats/live/window.ts';
import type { ActiveStatement, StatementCounters } from '../../harness/stats/live/types.ts';

test('sqlcommenter: keys sorted, keys and values URL-encoded, quotes escaped; parsed back alike', () => {
  const tags = { route: '/a b', organizer: "o'brien", event: 'x,y=z' };
  const c = serializeTags(tags);
  assert.equal(c, "/*event='x%2Cy%3Dz',organizer='o\\'brien',route='%2Fa%20b'*/");
  assert.deepEqual(tagsOf(`SELECT 1 ${c}`), tags);
  assert.equal(appendTags('SELECT 1', {}), 'SELECT 1');
  assert.equal(parseTagComment(' loadlab:calendar '), null, 'a naming comment is no tag');
  assert.equal(parseTagComment(', ...'), null);
  assert.equal(tagsOf('SELECT 1'), null);
  // two stacked comments (a framework's route, the application's tenant) read as one set
  assert.deepEqual(tagsOf("SELECT /* loadlab:x */ 1 /*route='r'*/ /*event='e',organizer='o'*/"), {
    route: 'r',
    event: 'e',
    organizer: 'o',
  });
  // cut off by track_activity_query_size: no tags rather than wrong ones
  assert.equal(tagsOf("SELECT /* loadlab:x */ 1 /*event='a',organ"), null);
});

test('fingerprints and names ignore sqlcommenter tags', () => {
  const sql = '/* loadlab:calendar */ SELECT id FROM t WHERE event_id = $1';
  const tagged = appendTags(sql, { organizer: 'a', event: 'b', route: 'calendar' });
  assert.equal(normaliseStatement(tagged).fingerprint, normaliseStatement(sql).fingerprint);
  assert.equal(normaliseStatement(tagged).label, 'loadlab:calendar');
  // pg_stat_statements drops a leading comment: the tags must not become the statement's name
  const stored = appendTags('SELECT id FROM t WHERE event_id = $1', { organizer: 'a' });
  assert.equal(normaliseStatement(stored).label, null);
});

const c = (calls: number, ms: number, blocks: number, temp = 0): StatementCounters => ({
  calls,
  exec_ms: ms,
  blocks,
  temp_blocks: temp,
  temp_written: temp / 2,
});
const row = (fingerprint: string, tags: Record<string, string> | null, running_ms = 50): ActiveStatement => ({
  fingerprint,
  label: null,
  sql: fingerprint,
  tags,
  truncated: false,
  wait: null,
  running_ms,
});
/** 40 samples a window, `perSample` rows each */
function figures(
  perSample: ActiveStatement[],
  statements: [string, StatementCounters][] | null,
  calm: [string, StatementCounters][] = [],
): WindowFigures {
  return {
    samples: Array.from({ length: 40 }, (_, i) => ({ at: i * 250, active: perSample })),
    statements: statements ? new Map(statements) : null,
    calm: new Map(calm),
    span_s: 10,
    temp_bytes: 0,
    io_read_bytes: null,
    io_write_bytes: null,
  };
}
const opts = { blockSize: 8192, describe: () => undefined };
const hot = { organizer: 'citymuseum', event: 'timeslots', route: 'product-list' };

test('idle: quiet, no cause', () => {
  const v = judge(figures([], [['report', c(0, 0, 0)]]), opts);
  assert.equal(v.state, 'quiet');
  assert.equal(v.cause, null);
});

test('under stress: the heavy statement is the cause, with its tenants; the lookup that waits is a symptom', () => {
  const f = figures(
    [row('report', hot), row('report', hot), row('report', { organizer: 'other', event: 'e' }), row('lookup', null)],
    [
      ['report', c(20, 20_000, 50_000, 400_000)],
      ['lookup', c(1000, 3000, 4000)],
    ],
    [['lookup', c(1000, 500, 4000)]],
  );
  const v = judge(f, opts);
  assert.equal(v.state, 'stressed');
  assert.equal(v.running_avg, 4);
  assert.equal(v.cause?.fingerprint, 'report');
  assert.equal(v.cause?.measured_by, 'statements');
  assert.deepEqual(v.cause?.tenants, [
    { tags: { organizer: 'citymuseum', event: 'timeslots' }, share: 0.667 },
    { tags: { organizer: 'other', event: 'e' }, share: 0.333 },
  ]);
  assert.equal(v.cause?.temp_bytes_per_s, Math.round((200_000 * 8192) / 10));
  assert.deepEqual(
    v.symptoms.map((s) => [s.fingerprint, s.slowdown]),
    [['lookup', 6]],
  );
  assert.match(v.next_step, /disabling organizer=citymuseum,event=timeslots sheds about/);
});

test('a light statement that fills the active time is never the cause', () => {
  const f = figures(
    [row('lookup', { organizer: 'a' }), row('lookup', { organizer: 'b' })],
    [
      ['lookup', c(50_000, 100_000, 200_000)],
      ['other', c(100, 10, 300)],
    ],
  );
  const v = judge(f, opts);
  assert.equal(v.state, 'stressed');
  assert.equal(v.cause, null);
  assert.match(v.next_step, /without a single cause/);
});

test('untagged callers: tenant unknown', () => {
  const v = judge(figures([row('report', null), row('report', null)], [['report', c(10, 9000, 20_000)]]), opts);
  assert.deepEqual(v.cause?.tenants, [{ tags: {}, share: 1 }]);
  assert.match(v.next_step, /tenant unknown/);
});

test('without pg_stat_statements: a long-running statement with most of the active time is the cause', () => {
  const v = judge(figures([row('report', hot, 4000), row('report', hot, 3000), row('lookup', null, 2)], null), opts);
  assert.equal(v.cause?.fingerprint, 'report');
  assert.equal(v.cause?.measured_by, 'activity');
  const light = judge(figures([row('lookup', null, 3), row('lookup', null, 2)], null), opts);
  assert.equal(light.cause, null);
});

test('window deltas: new entries count whole, reset entries count from zero', () => {
  const d = statementDeltas(
    new Map([
      ['a', c(10, 10, 10)],
      ['b', c(5, 5, 5)],
      ['c', c(2, 2, 2)],
    ]),
    new Map([
      ['a', c(4, 4, 4)],
      ['c', c(7, 7, 7)],
    ]),
  );
  assert.deepEqual(d.get('a'), c(6, 6, 6));
  assert.deepEqual(d.get('b'), c(5, 5, 5));
  assert.deepEqual(d.get('c'), c(2, 2, 2));
});

test('platform line: where the load is, and the same cause on two servers means the load moved', () => {
  const f = figures([row('report', hot), row('report', hot)], [['report', c(10, 9000, 20_000)]]);
  const v = judge(f, opts);
  const primary = { name: 'db1:5432/pretix', role: 'primary' as const, ...v };
  const replica = { name: 'db2:5432/pretix', role: 'replica' as const, ...v };
  const quiet = { ...replica, ...judge(figures([], []), opts) };
  assert.match(
    platformLine([primary, replica], []) ?? '',
    /the same cause report on db1:5432\/pretix and db2:5432\/pretix: the load moved, the cause did not/,
  );
  assert.equal(platformLine([primary, quiet], []), 'load on db1:5432/pretix (primary, stressed, 2.0 running)');
  assert.match(platformLine([primary], ['db2:5432/pretix']) ?? '', /not answering: db2:5432\/pretix$/);
  assert.equal(platformLine([primary], []), null, 'one server: no platform line');
});
