// The growth audit's pure parts: fingerprints, plan rows, exponents and verdicts, the allow-list format.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normaliseStatement, shortSql } from '../../harness/stats/fingerprint.ts';
import { parsePlanLog, rowsProcessed, type PlanNode } from '../../harness/audit/plan-log.ts';
import {
  growthExponent,
  growthInWords,
  growthStatements,
  unexpected,
  DEFAULT_THRESHOLDS,
} from '../../harness/audit/growth.ts';
import { parseAllowList } from '../../harness/audit/allow-list.ts';
import { parseSizes } from '../../harness/audit/sizes.ts';
import type { MeasuredStatement } from '../../harness/audit/capture.ts';
import { UserError } from '../../common/user-error.ts';

const fp = (sql: string) => normaliseStatement(sql).fingerprint;

test('a fingerprint ignores comments, whitespace, case, literals and list lengths', () => {
  const sent = `/* loadlab:calendar */ SELECT id FROM pretixbase_subevent
      WHERE event_id = $1 AND active AND name = 'x''y' AND id IN ($2, $3, $4) AND flag = false LIMIT 51`;
  // what pg_stat_statements keeps of it: leading comment dropped, constants numbered
  const stored =
    'select id from pretixbase_subevent WHERE event_id = $1 AND active AND name = $2 AND id IN ($3) AND flag = $4 LIMIT $5';
  assert.equal(fp(sent), fp(stored));
  assert.match(fp(sent), /^[0-9a-f]{12}$/);
  assert.equal(normaliseStatement(sent).label, 'loadlab:calendar');
  assert.equal(normaliseStatement(stored).label, null);
  // a different statement is a different fingerprint: another table, another column, another operator
  assert.notEqual(fp(stored), fp(stored.replace('pretixbase_subevent', 'pretixbase_quota')));
  assert.notEqual(fp(stored), fp(stored.replace('select id', 'select id, name')));
  assert.notEqual(fp('SELECT a FROM t WHERE b >= $1'), fp('SELECT a FROM t WHERE b <= $1'));
  // strings hide what looks like comments or quotes; quoted identifiers keep their case
  assert.equal(fp(`SELECT '--not a comment', "Mixed" FROM t`), fp(`select $1, "Mixed" from t`));
  assert.notEqual(fp('SELECT "Mixed" FROM t'), fp('SELECT "mixed" FROM t'));
  assert.equal(fp("SELECT $$a;b$$, E'\\'x', -1.5e3"), fp('SELECT $1, $2, $3'));
});

test('shortSql keeps one readable line', () => {
  assert.equal(shortSql('/* tag */ SELECT  a,\n  b -- why\n FROM t'), 'SELECT a, b FROM t');
  const cut = shortSql('SELECT ' + 'x, '.repeat(50) + 'y FROM t', 20);
  assert.ok(cut.length <= 20 && cut.endsWith('…'), cut);
});

const node = (rows: number, loops: number, extra: Partial<PlanNode> = {}, plans?: PlanNode[]): PlanNode => ({
  'Actual Rows': rows,
  'Actual Loops': loops,
  ...extra,
  ...(plans ? { Plans: plans } : {}),
});

test('rows processed: every node, rows kept and rows filtered away, times loops', () => {
  const plan = node(6, 1, {}, [
    node(2.5, 4, { 'Rows Removed by Filter': 10 }), // per loop: 2.5 kept + 10 removed, 4 loops = 50
    node(0, 0), // never executed
    node(1, 1, { 'Rows Removed by Join Filter': 3 }, [node(7, 2)]),
  ]);
  assert.equal(rowsProcessed(plan), 6 + 50 + 0 + 4 + 14);
});

test('the plan log parser reads auto_explain entries between other messages, with their pid', () => {
  const entry = (pid: number, text: string, rows: number) => [
    `2026-11-28 10:24:29.740 UTC [${pid}] LOG:  duration: 0.263 ms  plan:`,
    ...JSON.stringify(
      { 'Query Text': text, Plan: { 'Node Type': 'Seq Scan', 'Relation Name': 't', ...node(rows, 1) } },
      null,
      2,
    )
      .split('\n')
      .map((l) => `\t${l}`),
  ];
  const log = [
    '2026-11-28 10:24:29.700 UTC [11] LOG:  checkpoint starting: time',
    ...entry(41, 'SELECT 1', 1),
    '2026-11-28 10:24:29.800 UTC [12] WARNING:  something else',
    ...entry(42, 'SELECT a\nFROM t', 30),
    '2026-11-28 10:24:29.900 UTC [43] LOG:  duration: 0.1 ms  plan:',
    '\t{ "Query Text": "cut off', // an entry cut short by a stop
  ].join('\n');
  assert.deepEqual(parsePlanLog(log), [
    { pid: 41, queryText: 'SELECT 1', rowsProcessed: 1, shape: 'Seq Scan on t' },
    { pid: 42, queryText: 'SELECT a\nFROM t', rowsProcessed: 30, shape: 'Seq Scan on t' },
  ]);
});

test('exponent: the log-log slope over the sizes a statement ran at', () => {
  assert.equal(growthExponent([300, 3000], [100, 1000]), 1);
  assert.equal(growthExponent([300, 3000], [100, 100]), 0);
  assert.equal(growthExponent([300, 3000, 30000], [10, 100, 1000]), 1);
  assert.equal(growthExponent([300, 3000], [100, null]), null);
  assert.equal(growthExponent([300, 3000, 30000], [100, null, 10000]), 1);
  // zero work (BEGIN, COMMIT) counts as 1, never as -infinity
  assert.equal(growthExponent([300, 3000], [0, 0]), 0);
});

const measured = (
  fingerprint: string,
  calls: number,
  planRows: number,
  blocks: number,
  extra: Partial<MeasuredStatement> = {},
): MeasuredStatement => ({
  fingerprint,
  query: `SELECT ${fingerprint}`,
  label: null,
  calls,
  rows: calls,
  exec_ms: calls,
  blocks,
  temp_blocks: 0,
  plans: calls,
  plan_rows: planRows,
  plan_shapes: { [`Seq Scan on ${fingerprint}`]: calls },
  ...extra,
});

test('verdicts: growth above the exponent and the floor fails unless allowed; worst first', () => {
  const sizes = [
    { name: 'tiny', dates: 300 },
    { name: 'small', dates: 3000 },
  ];
  const atTiny = [
    measured('aaaaaaaaaaaa', 10, 7_000, 1_000),
    measured('bbbbbbbbbbbb', 10, 50, 20),
    measured('cccccccccccc', 10, 20, 20),
    measured('dddddddddddd', 10, 600, 100),
  ];
  const atSmall = [
    measured('aaaaaaaaaaaa', 10, 80_000, 1_500),
    measured('bbbbbbbbbbbb', 10, 52, 21),
    measured('cccccccccccc', 10, 60, 40),
    measured('dddddddddddd', 10, 3_000, 400),
    measured('eeeeeeeeeeee', 2, 10, 10),
  ];
  const allow = new Map([['dddddddddddd', 'the calendar sorts the dates']]);
  const rows = growthStatements({
    sizes,
    measured: [atTiny, atSmall],
    visitors: 10,
    allow,
    thresholds: DEFAULT_THRESHOLDS,
    baseline: null,
  });
  assert.deepEqual(
    rows.map((r) => [r.fingerprint, r.verdict, r.allowed !== null]),
    [
      ['aaaaaaaaaaaa', 'grows', false],
      ['dddddddddddd', 'grows', true],
      // x3 on 4 rows+blocks per call: above the exponent, below the floor (index levels, not the series)
      ['cccccccccccc', 'flat', false],
      ['bbbbbbbbbbbb', 'flat', false],
      ['eeeeeeeeeeee', 'flat', false],
    ],
  );
  const a = rows[0];
  assert.deepEqual(a.work_per_call, [800, 8150]);
  assert.deepEqual(a.plan_rows_per_call, [700, 8000]);
  assert.deepEqual(a.calls, [10, 10]);
  assert.equal(growthInWords(a, sizes), 'work x10 for x10 dates');
  assert.equal(rows.at(-1)!.exponent, null);
  assert.deepEqual(rows.at(-1)!.work_per_call, [null, 10]);
  assert.equal(growthInWords(rows.at(-1)!, sizes), 'ran at small only');
  assert.deepEqual(
    unexpected(rows).map((r) => r.fingerprint),
    ['aaaaaaaaaaaa'],
  );
});

test('without plans at some size, work is blocks and temp blocks alone at every size', () => {
  const sizes = [
    { name: 'tiny', dates: 300 },
    { name: 'small', dates: 3000 },
  ];
  const rows = growthStatements({
    sizes,
    measured: [
      [measured('aaaaaaaaaaaa', 10, 7_000, 1_000)],
      [
        measured('aaaaaaaaaaaa', 10, 80_000, 1_000, {
          plans: null,
          plan_rows: null,
          plan_shapes: null,
          temp_blocks: 9_000,
        }),
      ],
    ],
    visitors: 10,
    allow: new Map(),
    thresholds: DEFAULT_THRESHOLDS,
    baseline: null,
  });
  assert.deepEqual(rows[0].work_per_call, [100, 1000]);
  assert.deepEqual(rows[0].plan_rows_per_call, [null, null]);
});

test('the allow-list: fingerprint and reason per line, comments, one-line errors naming file and line', () => {
  const list = parseAllowList('# why\n\n3bf62f5dcbf7  calendar: sorts the dates \n', 'allow.txt');
  assert.deepEqual([...list], [['3bf62f5dcbf7', 'calendar: sorts the dates']]);
  for (const [text, message] of [
    ['calendar sorts', /^allow\.txt:1: 'calendar' is not a statement fingerprint \(accepted: /],
    ['# ok\n3bf62f5dcbf7', /^allow\.txt:2: fingerprint 3bf62f5dcbf7 has no reason/],
    ['3bf62f5dcbf7 a\n3bf62f5dcbf7 b', /^allow\.txt:2: fingerprint 3bf62f5dcbf7 is listed twice/],
  ] as const) {
    assert.throws(
      () => parseAllowList(text, 'allow.txt'),
      (err: Error) => err instanceof UserError && message.test(err.message) && !err.message.includes('\n'),
    );
  }
});

test('sizes: two or more known sizes, fewest dates first', () => {
  assert.deepEqual(
    parseSizes('tiny, small,dates-10000').map((s) => s.dates),
    [300, 3000, 10000],
  );
  for (const [raw, message] of [
    ['tiny', /^--sizes 'tiny' names one size: growth needs two or more/],
    ['', /names no size/],
    ['tiny,huge', /^--sizes: unknown preset 'huge' \(accepted: tiny, small, incident, xl, dates-N/],
    ['small,tiny', /tiny \(300 dates\) must have more dates than small/],
    ['tiny,tiny', /must have more dates/],
  ] as const) {
    assert.throws(
      () => parseSizes(raw),
      (err: Error) => err instanceof UserError && message.test(err.message),
    );
  }
});
