// The incident day's platform logic without servers: the day's plan with the operators' moves, per-server
// figures from samples (a restart resets a counter), where the reads were, the shape checks on made-up figures,
// diagnose after each move, and the shop's read router.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type pg from 'pg';
import { dayPlan, queuePlan } from '../../harness/timeline/plan.ts';
import { increments, readsByPeriod, serverPeriods, serverSeries } from '../../harness/timeline/server-figures.ts';
import type { ServerSample } from '../../harness/timeline/server-sampler.ts';
import { movesChecks, noLossCheck, readsCarryTheLoad, writesSlowDown } from '../../harness/timeline/platform-checks.ts';
import { movesDiagnosis } from '../../harness/timeline/moves.ts';
import type { PeriodResult } from '../../harness/timeline/types.ts';
import type { ServerPeriod } from '../../harness/timeline/platform-types.ts';
import type { DiagnoseLine, ServerVerdict } from '../../harness/stats/live/types.ts';
import { ReadRouter, parseReadUrls } from '../../shop/read-routing.ts';

const SERVERS = [
  { name: 'primary', role: 'primary' as const },
  { name: 'replica-1', role: 'replica' as const },
  { name: 'replica-2', role: 'replica' as const },
];

test('the day gains reroute and all-primary before the cut, time assumed, only with replicas', () => {
  const q = queuePlan(60, true);
  const names = (n: number) => dayPlan(true, q, n).map((p) => p.name);
  assert.deepEqual(names(0), ['normal', 'tripled', 'access-cut', 'queue', 'shop-disabled', 'fixed']);
  assert.deepEqual(names(1), ['normal', 'tripled', 'all-primary', 'access-cut', 'queue', 'shop-disabled', 'fixed']);
  const two = dayPlan(false, q, 2);
  assert.deepEqual(
    two.slice(1, 5).map((p) => [p.name, p.clock, p.time_assumed ?? false]),
    [
      ['tripled', '12:07', false],
      ['reroute', '12:50', true],
      ['all-primary', '13:05', true],
      ['access-cut', '13:22', false],
    ],
  );
  // both placed between the team being complete (12:45) and the cut (13:22)
  for (const p of two.filter((x) => x.time_assumed)) assert.ok(p.clock > '12:45' && p.clock < '13:22');
  assert.deepEqual(two[2].switches, { restart: 'replica-1', reads: 'replica-2' });
  assert.equal(two[2].restart, 'replica-1');
  assert.deepEqual(two[3].switches, { reads: 'primary' });
  assert.deepEqual(readsByPeriod(two, SERVERS), [
    'replica-1',
    'replica-1',
    'replica-2',
    'primary',
    'primary',
    'primary',
    'primary',
    'primary',
  ]);
  assert.deepEqual(readsByPeriod(dayPlan(true, q, 0), [SERVERS[0]]).at(0), 'primary');
});

const sample = (t_ms: number, server: string, temp: number | null, running = 0, lag: number | null = 0) =>
  ({
    t_ms,
    server,
    temp_bytes: temp,
    running,
    product_list_calls: temp === null ? null : temp / 10,
    lag_ms: lag,
  }) as ServerSample;

test('per-server figures: a counter that drops was reset by a restart and grew from zero', () => {
  const s = [sample(1000, 'r', 100), sample(2000, 'r', 300), sample(3000, 'r', null), sample(4000, 'r', 50)];
  assert.deepEqual(
    increments(s, (x) => x.temp_bytes),
    [
      { t_ms: 2000, value: 200 },
      { t_ms: 4000, value: 50 },
    ],
  );
  const samples = [
    ...[0, 1, 2, 3, 4].map((i) => sample(10_000 + i * 1000, 'primary', 0, 0, null)),
    ...[0, 1, 2, 3, 4].map((i) => sample(10_000 + i * 1000, 'replica-1', i * 1000, 2, i === 3 ? 250 : 0)),
    ...[0, 1, 2, 3, 4].map((i) => sample(10_000 + i * 1000, 'replica-2', 0, 0, 0)),
  ];
  const [period] = serverPeriods(samples, SERVERS, [{ start_s: 0, end_s: 4 }], 10_000, ['replica-1']);
  assert.deepEqual(period[1], {
    name: 'replica-1',
    role: 'replica',
    reads: true,
    temp_bytes_per_s: 1000,
    temp_measured_by: 'pg_stat_database',
    running_avg: 2,
    replication_lag_ms: 250,
    product_list_calls: 400,
  });
  assert.equal(period[0].replication_lag_ms, null, 'the primary has no replay lag');
  // a server of ours: the bytes as its processes wrote them (/proc), not pg_stat_database's count at query end
  const ours = samples.map((x, i) => ({ ...x, write_bytes: x.server === 'replica-2' ? (i % 5) * 500 : 0 }));
  const [byProc] = serverPeriods(ours, SERVERS, [{ start_s: 0, end_s: 4 }], 10_000, ['replica-1']);
  assert.deepEqual(
    byProc.map((x) => [x.name, x.temp_bytes_per_s, x.temp_measured_by]),
    [
      ['primary', 0, 'proc'],
      ['replica-1', 0, 'proc'],
      ['replica-2', 500, 'proc'],
    ],
  );
  assert.equal(period[0].reads, false);
  const buckets = serverSeries(samples, SERVERS, 10_000, 1, 4);
  assert.deepEqual(
    buckets.map((b) => b['replica-1']),
    [1000, 1000, 1000, 1000],
  );
  assert.deepEqual(
    buckets.map((b) => b.primary),
    [0, 0, 0, 0],
  );
});

const server = (name: string, reads: boolean, temp: number | null): ServerPeriod => ({
  name,
  role: name === 'primary' ? 'primary' : 'replica',
  reads,
  temp_bytes_per_s: temp,
  running_avg: 0,
  replication_lag_ms: null,
});
const period = (name: string, servers: ServerPeriod[], writes: number | null = null) =>
  ({ name, servers, writes_p95_ms: writes }) as unknown as PeriodResult;

test('the reads server must carry >= 80 % of the temp writes; none at all is no evidence', () => {
  const checks = readsCarryTheLoad([
    period('normal', [server('primary', false, 0), server('replica-1', true, 10)]),
    period('tripled', [server('primary', false, 10), server('replica-1', true, 90), server('replica-2', false, 0)]),
    period('reroute', [server('primary', false, 30), server('replica-1', false, 0), server('replica-2', true, 70)]),
    period('all-primary', [server('primary', true, 0), server('replica-1', false, 0), server('replica-2', false, 0)]),
  ]);
  assert.deepEqual(
    checks.map((c) => [c.name.split(':')[0], c.ok]),
    [
      ['tripled', true],
      ['reroute', false],
      ['all-primary', false],
    ],
  );
  assert.match(checks[0].detail, /90 % of them/);
  assert.match(checks[2].detail, /no temp writes on the platform/);
});

test('the writes slow down in all-primary against the period before; no-loss needs writes and none missing', () => {
  const ps = (a: number | null, b: number | null) => [period('reroute', [], b), period('all-primary', [], a)];
  assert.equal(writesSlowDown(ps(300, 100))[0].ok, true);
  assert.equal(writesSlowDown(ps(120, 100))[0].ok, false);
  assert.equal(writesSlowDown(ps(null, 100))[0].ok, false);
  assert.deepEqual(writesSlowDown([period('tripled', [])]), [], 'no check without the move');
  const n = {
    from_s: 27,
    to_s: 47,
    cart_adds: 3,
    checkouts: 1,
    missing_positions: 0,
    missing_orders: 0,
    replicas_caught_up: true,
    unchecked: 0,
  };
  assert.equal(noLossCheck(n)[0].ok, true);
  assert.equal(noLossCheck({ ...n, missing_orders: 1 })[0].ok, false);
  assert.equal(noLossCheck({ ...n, replicas_caught_up: false })[0].ok, false);
  assert.equal(noLossCheck({ ...n, cart_adds: 0, checkouts: 0 })[0].ok, false, 'nothing written proves nothing');
  assert.deepEqual(noLossCheck(undefined), []);
});

const verdict = (name: string, cause: string | null): ServerVerdict =>
  ({
    name,
    role: 'unknown',
    state: cause ? 'stressed' : 'quiet',
    running_avg: cause ? 4 : 0,
    cause: cause ? { label: cause, sql: 'SELECT', fingerprint: 'f', tenants: [] } : null,
    symptoms: [],
  }) as unknown as ServerVerdict;

test('diagnose after each move: the first verdict naming the cause on the server now taking the reads', () => {
  const start = Date.parse('2026-06-29T12:00:00Z');
  const line = (t_s: number, servers: ServerVerdict[]) =>
    ({ at: new Date(start + t_s * 1000).toISOString(), servers }) as unknown as DiagnoseLine;
  const names = new Map([
    ['h:1/db', 'primary'],
    ['h:2/db', 'replica-1'],
    ['h:3/db', 'replica-2'],
  ]);
  const cause = 'loadlab:product-list:before';
  const lines = [
    line(11, [verdict('h:1/db', null), verdict('h:2/db', cause), verdict('h:3/db', null)]),
    // still on replica-1 just after the move: its window holds the load before it
    line(21, [verdict('h:1/db', null), verdict('h:2/db', cause), verdict('h:3/db', null)]),
    line(24.5, [verdict('h:1/db', null), verdict('h:2/db', null), verdict('h:3/db', cause)]),
    line(35, [verdict('h:1/db', null), verdict('h:2/db', null), verdict('h:3/db', null)]),
  ];
  const windows = [
    { name: 'tripled', start_s: 10, end_s: 20 },
    { name: 'reroute', start_s: 20, end_s: 30 },
    { name: 'all-primary', start_s: 30, end_s: 40 },
  ];
  const moves = movesDiagnosis(lines, start, names, windows, ['replica-1', 'replica-2', 'primary']);
  assert.deepEqual(moves, [
    { period: 'reroute', at_s: 20, server: 'replica-2', named: { at_s: 24.5, after_move_s: 4.5, cause } },
    { period: 'all-primary', at_s: 30, server: 'primary', named: null },
  ]);
  const checks = movesChecks(moves, cause);
  assert.deepEqual(
    checks.map((c) => c.ok),
    [true, false],
  );
  assert.match(checks[0].detail, /on replica-2 4\.5 s after the move/);
});

test("the shop's read router: replicas first, a switch to a server it has, a clear refusal otherwise", async () => {
  const made: string[] = [];
  const fake = (url: string) => {
    made.push(url);
    return { url, end: async () => {} } as unknown as pg.Pool;
  };
  const primary = fake('primary-url');
  const r = new ReadRouter(primary, parseReadUrls('replica-1=postgres://a/db,replica-2=postgres://b/db'), fake);
  assert.equal(r.reads, 'replica-1');
  assert.deepEqual(r.names, ['replica-1', 'replica-2', 'primary']);
  assert.equal((r.pool() as unknown as { url: string }).url, 'postgres://a/db');
  r.route('primary');
  assert.equal(r.pool(), primary);
  assert.throws(() => r.route('replica-3'), /"reads" must be one of replica-1, replica-2, primary, got "replica-3"/);
  r.reconnect('replica-2');
  assert.equal(made.filter((u) => u === 'postgres://b/db').length, 2, 'a fresh pool after a restart');
  assert.equal(new ReadRouter(primary, [], fake).reads, 'primary', 'without replicas, the primary');
  assert.throws(() => parseReadUrls('replica-1'), /SHOP_READ_URLS entry 'replica-1' is not name=postgres/);
  assert.throws(() => parseReadUrls('primary=postgres://a/db'), /is not name=postgres/);
  await r.end();
});
