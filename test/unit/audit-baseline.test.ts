// The growth audit's second edition, pure parts: growth per visitor (a loop), the baseline comparison
// (regressed, new, gone), the baseline file's format and errors, plan shapes and their changes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { growthStatements, loopInWords, unexpected } from '../../harness/audit/growth.ts';
import { DEFAULT_THRESHOLDS, type GrowthReport } from '../../harness/audit/report-types.ts';
import {
  baselineMismatch,
  baselineOf,
  goneStatements,
  readBaseline,
  writeBaseline,
  type Baseline,
} from '../../harness/audit/baseline.ts';
import { planShape, type PlanNode } from '../../harness/audit/plan-log.ts';
import { changedNodes, planChanges } from '../../harness/audit/plans.ts';
import type { MeasuredStatement } from '../../harness/audit/capture.ts';
import { requireGateSettings } from '../../harness/audit/flags.ts';
import { parseSizes } from '../../harness/audit/sizes.ts';
import { UserError } from '../../common/user-error.ts';

const sizes = [
  { name: 'tiny', dates: 300 },
  { name: 'small', dates: 3000 },
];

const m = (fingerprint: string, calls: number, workPerCall: number, shape = 'Seq Scan on t'): MeasuredStatement => ({
  fingerprint,
  query: `SELECT ${fingerprint}`,
  label: null,
  calls,
  rows: calls,
  exec_ms: calls,
  blocks: workPerCall * calls,
  temp_blocks: 0,
  plans: calls,
  plan_rows: 0,
  plan_shapes: { [shape]: calls },
});

const statements = (measured: MeasuredStatement[][], baseline: Baseline | null = null, visitors = 10) =>
  growthStatements({ sizes, measured, visitors, allow: new Map(), thresholds: DEFAULT_THRESHOLDS, baseline });

const baselineWith = (entries: Baseline['statements']): Baseline => ({
  schema: 'loadlab.growth-baseline/v1',
  variant: 'after',
  sizes,
  seed: 42,
  visitors: 10,
  measure: 'plans',
  statements: entries,
});

const entry = (
  fingerprint: string,
  work: number[],
  calls: number[],
  plans = [['Seq Scan on t'], ['Seq Scan on t']],
) => ({
  fingerprint,
  label: null,
  sql: `SELECT ${fingerprint}`,
  work_per_call: work,
  calls_per_visitor: calls,
  plans,
});

test('a loop over the dates: flat work per call, calls per visitor x10, grows by calls-per-visitor', () => {
  const [s] = statements([[m('aaaaaaaaaaaa', 300 * 6, 4)], [m('aaaaaaaaaaaa', 3000 * 6, 4)]]);
  assert.deepEqual(s.work_per_call, [4, 4]);
  assert.equal(s.exponent, 0);
  assert.deepEqual(s.calls_per_visitor, [180, 1800]);
  assert.deepEqual(s.work_per_visitor, [720, 7200]);
  assert.equal(s.visitor_exponent, 1);
  assert.equal(s.verdict, 'grows');
  assert.equal(s.reason, 'calls-per-visitor');
  assert.equal(loopInWords(s, sizes), 'called 180 -> 1,800 times per visitor: 0.6 calls per date');
  // one call per date exactly, and fewer than one
  const [one] = statements([[m('bbbbbbbbbbbb', 3000, 4)], [m('bbbbbbbbbbbb', 30_000, 4)]]);
  assert.equal(loopInWords(one, sizes), 'called 300 -> 3,000 times per visitor: one call per date');
  const [tenth] = statements([[m('cccccccccccc', 300, 40)], [m('cccccccccccc', 3000, 40)]]);
  assert.equal(loopInWords(tenth, sizes), 'called 30 -> 300 times per visitor: one call per 10 dates');
  // named by the route whose requests account for the added calls: 6 checkouts, one lookup per date each
  const journey = [300, 3000].map(() => ({
    visitors: 10,
    routes: { calendar: { requests: 10, failed: 0 }, checkout: { requests: 6, failed: 0 } },
  }));
  assert.equal(
    loopInWords(s, sizes, journey),
    'called 300 -> 3,000 times per checkout request (180 -> 1,800 per visitor): one call per date',
  );
  // two lookups per date on every calendar page: the calendar, two calls per date
  const [two] = statements([[m('eeeeeeeeeeee', 300 * 20, 4)], [m('eeeeeeeeeeee', 3000 * 20, 4)]]);
  assert.match(loopInWords(two, sizes, journey), /times per calendar request .*: 2 calls per date$/);
  // a loop below the floor (a few calls of 1 block more) stays flat
  const [small] = statements([[m('dddddddddddd', 10, 1)], [m('dddddddddddd', 40, 1)]]);
  assert.equal(small.verdict, 'flat');
});

test('against the baseline: regressed by work per call or calls per visitor past 25 % and the floor; new; gone', () => {
  const baseline = baselineWith([
    entry('aaaaaaaaaaaa', [27, 27], [2.8, 2.8]), // the dropped index: 27 -> 87 at both sizes
    entry('bbbbbbbbbbbb', [60, 60], [1, 1]), // called twice as often now
    entry('cccccccccccc', [2, 2], [1, 1]), // +100 % of 2 blocks: below the floor
    entry('dddddddddddd', [100, 100], [1, 1]), // +20 %: below the fraction
    entry('ffffffffffff', [10, 10], [1, 1]), // gone
  ]);
  const tiny = [
    m('aaaaaaaaaaaa', 28, 87),
    m('bbbbbbbbbbbb', 20, 60),
    m('cccccccccccc', 10, 4),
    m('dddddddddddd', 10, 120),
    m('eeeeeeeeeeee', 10, 500),
    m('111111111111', 10, 5),
  ];
  const small = tiny.map((x) => ({ ...x }));
  const rows = statements([tiny, small], baseline);
  const by = Object.fromEntries(rows.map((r) => [r.fingerprint, r]));
  assert.deepEqual([by.aaaaaaaaaaaa.verdict, by.aaaaaaaaaaaa.reason], ['regressed', 'work-per-call']);
  assert.deepEqual(by.aaaaaaaaaaaa.baseline_work_per_call, [27, 27]);
  assert.deepEqual([by.bbbbbbbbbbbb.verdict, by.bbbbbbbbbbbb.reason], ['regressed', 'calls-per-visitor']);
  assert.equal(by.cccccccccccc.verdict, 'flat');
  assert.equal(by.dddddddddddd.verdict, 'flat');
  // 500 work per visitor: new; 5 per visitor: below the floor of 100
  assert.deepEqual([by.eeeeeeeeeeee.verdict, by.eeeeeeeeeeee.baseline_work_per_call], ['new', null]);
  assert.equal(by['111111111111'].verdict, 'flat');
  assert.deepEqual(
    unexpected(rows).map((r) => [r.fingerprint, r.verdict]),
    [
      ['aaaaaaaaaaaa', 'regressed'],
      ['bbbbbbbbbbbb', 'regressed'],
      ['eeeeeeeeeeee', 'new'],
    ],
  );
  assert.deepEqual(goneStatements(baseline, new Set(rows.map((r) => r.fingerprint))), [
    { fingerprint: 'ffffffffffff', label: null, sql: 'SELECT ffffffffffff' },
  ]);
  // no baseline: nothing regressed, nothing new
  assert.deepEqual(unexpected(statements([tiny, small])), []);
});

test('growth wins over regressed and new: the verdict names what to fix first', () => {
  const baseline = baselineWith([entry('aaaaaaaaaaaa', [10, 100], [1, 1])]);
  const [grown] = statements([[m('aaaaaaaaaaaa', 10, 100)], [m('aaaaaaaaaaaa', 10, 1000)]], baseline);
  assert.deepEqual([grown.verdict, grown.reason], ['grows', 'work-per-call']);
  const [fresh] = statements([[m('bbbbbbbbbbbb', 10, 100)], [m('bbbbbbbbbbbb', 10, 1000)]], baseline);
  assert.equal(fresh.verdict, 'grows');
});

test('plan shapes: node types, relations and indexes as a tree; changes between sizes and from the baseline', () => {
  const plan: PlanNode = {
    'Node Type': 'Limit',
    Plans: [
      {
        'Node Type': 'Nested Loop',
        Plans: [
          { 'Node Type': 'Seq Scan', 'Relation Name': 'a' },
          { 'Node Type': 'Index Scan', 'Relation Name': 'b', 'Index Name': 'b_pkey' },
        ],
      },
    ],
  };
  assert.equal(planShape(plan), 'Limit(Nested Loop(Seq Scan on a; Index Scan on b using b_pkey))');
  const seq = 'Seq Scan on pretixbase_subeventitem';
  const idx = 'Index Scan on pretixbase_subeventitem using pretixbase_subeventitem_subevent_id';
  const changes = planChanges(
    sizes,
    [[{ shape: `Sort(${seq})`, calls: 5 }], [{ shape: `Sort(${idx})`, calls: 5 }]],
    [[`Sort(${seq})`], [`Sort(${seq})`]],
  );
  assert.deepEqual(
    changes.map((c) => [c.kind, c.from, c.to]),
    [
      ['sizes', 'tiny', 'small'],
      ['baseline', 'baseline', 'small'],
    ],
  );
  assert.deepEqual(changedNodes(changes[0]), {
    removed: [seq],
    added: [idx],
    from: [`Sort(${seq})`],
    to: [`Sort(${idx})`],
  });
  // the same plans everywhere, or no plans at one size: nothing to warn about
  assert.deepEqual(planChanges(sizes, [[{ shape: seq, calls: 1 }], [{ shape: seq, calls: 9 }]], [[seq], [seq]]), []);
  assert.deepEqual(planChanges(sizes, [null, [{ shape: seq, calls: 9 }]], null), []);
});

test('the baseline file: written from a report, read back, compared only with the same settings', (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'loadlab-baseline-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const rows = statements([[m('aaaaaaaaaaaa', 20, 4)], [m('aaaaaaaaaaaa', 20, 5)]]);
  const report = { variant: 'after', sizes, seed: 42, visitors: 10, measure: 'plans', statements: rows };
  const file = path.join(dir, 'baseline.json');
  writeBaseline(file, baselineOf(report as GrowthReport));
  assert.match(readFileSync(file, 'utf8'), /"work_per_call": \[4, 5\]/, 'figures on one line: one-line diffs');
  const read = readBaseline(file, true).data!;
  assert.deepEqual(read.statements, [entry('aaaaaaaaaaaa', [4, 5], [2, 2])]);
  assert.equal(baselineMismatch(read, { ...read }), null);
  assert.equal(
    baselineMismatch(read, { ...read, visitors: 40, variant: 'before' }),
    'the baseline was recorded with variant after, not before, 10 visitors, not 40: not compared',
  );
  // a missing default file is no baseline yet; a missing named file, bad JSON or a broken field: one line
  assert.equal(readBaseline(path.join(dir, 'none.json'), false).data, null);
  writeFileSync(path.join(dir, 'bad.json'), '{"schema": "loadlab.growth-baseline/v1", "variant": 3}');
  writeFileSync(path.join(dir, 'text.json'), 'not json');
  for (const [name, message] of [
    ['none.json', /^cannot read the baseline .*none\.json: /],
    ['text.json', /^the baseline .*text\.json is not JSON/],
    ['bad.json', /^the baseline .*bad\.json has a broken field: variant \(rewrite it with npm run audit:growth/],
  ] as const) {
    assert.throws(
      () => readBaseline(path.join(dir, name), true),
      (err: Error) => err instanceof UserError && message.test(err.message) && !err.message.includes('\n'),
    );
  }
});

test('--update-baseline on the committed file only with the gate settings', () => {
  const gate = { sizes: parseSizes('tiny,small'), visitors: 60, variant: 'after', seed: 42, explicitFile: false };
  requireGateSettings(gate);
  requireGateSettings({ ...gate, visitors: 40, explicitFile: true });
  assert.throws(
    () => requireGateSettings({ ...gate, visitors: 40, sizes: parseSizes('tiny,dates-1000') }),
    (err: Error) =>
      err instanceof UserError &&
      /^--update-baseline writes the gate's baseline, .*--sizes tiny,dates-1000 \(the gate uses tiny,small\), --visitors 40 \(the gate uses 60\); pass --baseline FILE/.test(
        err.message,
      ),
  );
});
