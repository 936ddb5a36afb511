// The growth audit's second edition against regressions planted in front of the real shop (the fixed, `after`
// variant), compared with a baseline the clean shop writes first, as main's committed baseline would be:
// - an N+1 over the dates: checkout looks every date of the series up by its primary key, one call per date;
// - a dropped index: a migration drops pretixbase_event's indexes, so the event lookup on every page scans;
// - a new heavy statement: every product list also counts all organizers' events and products;
// - a plan flip: a migration adds an index the calendar's query then uses (a warning, never a failure).
// The first three together fail the gate, each with its own verdict on exactly its statement; the plan flip
// alone passes with a warning naming the calendar; the clean shop passes against the baseline, the same
// figures as when it was written.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runAudit, type AuditOptions } from '../harness/audit/run.ts';
import { runGate } from '../harness/gate/run.ts';
import { auditGateStep } from '../harness/audit/gate-cases.ts';
import { unexpected } from '../harness/audit/growth.ts';
import { DEFAULT_THRESHOLDS, type GrowthReport, type GrowthStatement } from '../harness/audit/report-types.ts';
import { DEFAULT_ALLOW_FILE } from '../harness/audit/flags.ts';
import { readAllowList } from '../harness/audit/allow-list.ts';
import { readBaseline } from '../harness/audit/baseline.ts';
import { presetSpec } from '../datasets/presets.ts';
import { ownDataDir } from './helpers/db.ts';

const loadTestDataDir = ownDataDir(import.meta.url);
import { junitCases } from './helpers/junit.ts';
import { plantedShop, routeOf, type Plant } from './helpers/planted-shop.ts';

const N_PLUS_ONE = 'planted: one lookup per date';
const HEAVY = 'planted: shops menu';

const nPlusOne: Plant = {
  // the series' ids, read once before the shop starts: only the loop is measured, as in a Django view
  // iterating over a queryset fetched elsewhere
  setup: async (db) =>
    (
      await db.query<{ id: number }>(
        `SELECT s.id FROM pretixbase_subevent s JOIN pretixbase_event e ON e.id = s.event_id
          JOIN pretixbase_organizer o ON o.id = e.organizer_id
          WHERE o.slug = 'citymuseum' AND e.slug = 'timeslots' ORDER BY s.id`,
      )
    ).rows.map((r) => r.id),
  onRequest: async (req, db, ids) => {
    if (routeOf(req) !== 'checkout') return;
    for (const id of ids as number[])
      await db.query(`/* ${N_PLUS_ONE} */ SELECT id, date_from FROM pretixbase_subevent WHERE id = $1`, [id]);
  },
};

const droppedIndex: Plant = {
  migrate: [
    'DROP INDEX pretixbase_event_organizer_id_slug',
    'DROP INDEX pretixbase_event_organizer_id',
    'DROP INDEX pretixbase_event_slug',
  ],
};

const newHeavy: Plant = {
  onRequest: async (req, db) => {
    if (routeOf(req) !== 'product-list') return;
    await db.query(`/* ${HEAVY} */ SELECT o.slug, count(DISTINCT e.id) AS shops, count(i.id) AS products
      FROM pretixbase_organizer o JOIN pretixbase_event e ON e.organizer_id = o.id
      LEFT JOIN pretixbase_item i ON i.event_id = e.id GROUP BY o.slug`);
  },
};

const planFlip: Plant = {
  migrate: ['CREATE INDEX planted_subevent_event_date ON pretixbase_subevent (event_id, date_from, id)'],
};

const dir = mkdtempSync(path.join(os.tmpdir(), 'loadlab-audit-plants-'));
const baselineFile = path.join(dir, 'baseline.json');
after(() => rmSync(dir, { recursive: true, force: true }));

const settings = () => ({
  variant: 'after' as const,
  sizes: ['tiny', 'small'].map(presetSpec),
  seed: 42,
  visitors: 40,
  allow: readAllowList(DEFAULT_ALLOW_FILE),
  thresholds: DEFAULT_THRESHOLDS,
});

const audit = (name: string, extra: Partial<AuditOptions> = {}): Promise<GrowthReport> =>
  runAudit({
    ...settings(),
    baseline: extra.baseline ?? readBaseline(baselineFile, true),
    outDir: path.join(dir, name),
    dataDir: loadTestDataDir,
    log: () => {},
    warn: () => {},
    ...extra,
  });

const counts = (r: GrowthReport) => r.statements.map((s) => [s.fingerprint, s.calls_per_visitor, s.plans]).sort();
const work = (r: GrowthReport) => new Map(r.statements.map((s) => [s.fingerprint, s.work_per_call]));

/**
 * Statements that only read repeat their work exactly; a write can touch a block more or less in one run than in
 * another (whether a cart page's or index page's dead entries are cleaned up on the way depends on when the
 * server last worked out which rows no snapshot can see): up to 1.3 % seen on a loaded machine, held here to
 * 5 %, far under the 25 % (and +50 per call) a regression needs.
 */
function assertSameWork(now: GrowthReport, then: GrowthReport): void {
  const before = work(then);
  for (const s of now.statements) {
    const b = before.get(s.fingerprint)!;
    const writes = /^\s*(INSERT|UPDATE|DELETE)\b/i.test(s.sql);
    s.work_per_call.forEach((w, i) => {
      if (!writes || w === null || b[i] === null) assert.equal(w, b[i], `${s.fingerprint} ${s.sql.slice(0, 60)}`);
      else assert.ok(Math.abs(w - b[i]!) <= 0.05 * b[i]!, `${s.fingerprint} ${s.sql.slice(0, 60)}: ${w} vs ${b[i]}`);
    });
  }
}

const EVENT_LOOKUP = /FROM pretixbase_organizer o JOIN pretixbase_event e ON e\.organizer_id = o\.id\s+WHERE o\.slug/;

let clean: GrowthReport;

before(async () => {
  // the clean shop writes the baseline, as `npm run audit:growth -- --update-baseline` does on main
  clean = await audit('baseline', {
    baseline: { file: baselineFile, data: null, explicit: true },
    updateBaseline: true,
  });
});

test('the clean shop against its baseline: passes, the same figures as when the baseline was written', {
  timeout: 120_000,
}, async () => {
  assert.deepEqual(unexpected(clean.statements), []);
  const again = await audit('clean');
  assert.equal(again.baseline?.compared, true, JSON.stringify(again.baseline));
  assert.deepEqual(unexpected(again.statements), []);
  assert.deepEqual(counts(again), counts(clean), 'calls and plans repeat exactly on a fresh seed');
  assertSameWork(again, clean);
  assert.deepEqual(again.gone, []);
  assert.ok(again.statements.every((s) => s.plan_changes.every((c) => c.kind === 'sizes')));
  assert.match(readFileSync(path.join(dir, 'clean', 'growth.md'), 'utf8'), /Every statement as in the baseline\./);
});

test('an N+1, a dropped index and a new heavy statement: the gate fails, each with its verdict on its statement', {
  timeout: 180_000,
}, async () => {
  const out = path.join(dir, 'gate');
  process.env.LOADLAB_PGDATA = loadTestDataDir; // the gate's own dataset opens on the test server
  const audited = {
    ...settings(),
    baseline: readBaseline(baselineFile, true),
    outDir: path.join(out, 'audit'),
    startApp: plantedShop([nPlusOne, droppedIndex, newHeavy]),
  };
  // the gate's scaling step as scripts/gate.ts composes it: the growth audit as gate cases
  const { passed } = await runGate({
    variant: audited.variant,
    latencySize: audited.sizes.at(-1)!,
    seed: audited.seed,
    rate: 60,
    durationS: 5,
    skipLatency: true,
    outDir: out,
    scaling: (log) => auditGateStep(audited, log),
  });
  assert.equal(passed, false);
  const r = JSON.parse(readFileSync(path.join(out, 'audit', 'growth.json'), 'utf8')) as GrowthReport;
  const bad = unexpected(r.statements);
  const named = (s: GrowthStatement) => s.label ?? (EVENT_LOOKUP.test(s.sql) ? 'event lookup' : s.sql.slice(0, 60));
  assert.deepEqual(
    bad.map((s) => [named(s), s.verdict, s.reason]),
    [
      [N_PLUS_ONE, 'grows', 'calls-per-visitor'],
      ['event lookup', 'regressed', 'work-per-call'],
      [HEAVY, 'new', null],
    ],
  );
  const [loop, lookup, heavy] = bad;
  // the loop: each call as cheap at both sizes, ten times the calls per visitor for ten times the dates
  assert.equal(loop.exponent, 0, `work per call ${loop.work_per_call}`);
  assert.ok(loop.visitor_exponent! > 0.95, `visitor exponent ${loop.visitor_exponent}`);
  assert.equal(loop.calls_per_visitor[1], loop.calls_per_visitor[0] * 10, `calls ${loop.calls_per_visitor}`);
  assert.equal(loop.calls[0], r.journey[0].routes.checkout.requests * 300);
  // the lookup: as often as before, about 3x the work per call at both sizes (the 27 -> 87)
  const base = clean.statements.find((s) => s.fingerprint === lookup.fingerprint)!;
  assert.deepEqual(lookup.baseline_work_per_call, base.work_per_call);
  assert.deepEqual(lookup.calls_per_visitor, base.calls_per_visitor);
  assert.ok(
    lookup.work_per_call.every((w, i) => w! > 2 * base.work_per_call[i]!),
    `${lookup.work_per_call}`,
  );
  // the same plan shape (the 61 events are read whole either way): without the unique index the join can no
  // longer stop at the first match, which only the work counts show
  assert.deepEqual(
    lookup.plan_changes.filter((c) => c.kind === 'baseline'),
    [],
  );
  assert.equal(heavy.baseline_work_per_call, null);
  assert.ok(Math.max(...heavy.work_per_visitor) >= DEFAULT_THRESHOLDS.minNewWork);
  assert.ok(heavy.exponent! < 0.5, 'not growing: new is its only verdict');

  const md = readFileSync(path.join(out, 'audit', 'growth.md'), 'utf8');
  assert.match(
    md,
    new RegExp(
      `\`${loop.fingerprint}\` ${N_PLUS_ONE}: .*: called [\\d.]+ -> [\\d,.]+ times per checkout request \\([\\d.]+ -> [\\d,.]+ per visitor\\): one call per date`,
    ),
  );
  assert.match(md, new RegExp(`- regressed \\(work-per-call\\): \`${lookup.fingerprint}\` `));
  assert.match(md, new RegExp(`- new: \`${heavy.fingerprint}\` ${HEAVY}`));
  const gate = readFileSync(path.join(out, 'gate.md'), 'utf8');
  assert.match(gate, /\| scaling \(grows\).*\| \*\*FAIL\*\* \|/);
  // one JUnit case per verdict kind, each failing on its own statement; the plans' case never fails
  const cases = junitCases(path.join(out, 'junit.xml'));
  assert.deepEqual(
    cases.map((c) => [c.name.replace(/:.*/, ''), c.failed]),
    [
      ['scaling (grows)', true],
      ['scaling (regressed)', true],
      ['scaling (new)', true],
      ['plans (warning only)', false],
    ],
  );
});

test('a plan flip alone (a new index the calendar uses): passes, listed as a warning naming the calendar', {
  timeout: 120_000,
}, async () => {
  const r = await audit('plan-flip', { startApp: plantedShop([planFlip]) });
  assert.deepEqual(unexpected(r.statements), []);
  const calendar = r.statements.find((s) => s.label === 'loadlab:calendar')!;
  const flips = calendar.plan_changes.filter((c) => c.kind === 'baseline');
  assert.deepEqual(
    flips.map((c) => c.to),
    ['tiny', 'small'],
  );
  assert.ok(flips.every((c) => c.to_shapes.some((s) => s.includes('using planted_subevent_event_date'))));
  const md = readFileSync(path.join(dir, 'plan-flip', 'growth.md'), 'utf8');
  assert.match(
    md,
    new RegExp(
      `- \`${calendar.fingerprint}\` loadlab:calendar: .*in the baseline at small: .*; now: [^\\n]*using planted_subevent_event_date`,
    ),
  );
});
