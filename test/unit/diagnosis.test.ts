// The incident report's diagnosis on hand-made phase deltas: the cause, the symptoms, and when neither is named.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diagnose, type PhaseQueries } from '../../harness/stats/statement-diagnosis.ts';
import type { QueryDelta } from '../../harness/stats/types.ts';

/** calls with these per-call figures; temp blocks are written once and read back once */
const q = (calls: number, blocksPerCall: number, tempWrittenPerCall: number, msPerCall: number): QueryDelta => ({
  calls,
  blocks: calls * blocksPerCall,
  temp_blocks: 2 * calls * tempWrittenPerCall,
  temp_written: calls * tempWrittenPerCall,
  exec_ms: calls * msPerCall,
  rows: calls,
});
const phase = (name: string, seconds: number, queries: PhaseQueries['queries']): PhaseQueries => ({
  name,
  duration_ms: seconds * 1000,
  queries,
});

const texts = new Map([
  [
    '1',
    'SELECT /* loadlab:product-list:before */ i.* FROM pretixbase_item i LEFT JOIN pretixbase_quota_items qi ON qi.item_id = i.id GROUP BY i.id',
  ],
  ['2', 'SELECT id, name FROM pretixbase_subevent WHERE id = $1 AND event_id = $2 AND active'],
  // pg_stat_statements writes a comment into a squashed list: not a name
  ['3', 'SELECT count(*) FROM pretixbase_cartposition WHERE cart_id = $1 AND status IN ($2 /*, ... */)'],
  // the same statement as 2 under another queryid (another role): summed with it
  ['4', 'select id, name from pretixbase_subevent where id = $1 and event_id = $2 and active'],
]);

test('the incident: one statement does nearly all the work at the same cost per call; others only got slower', () => {
  const d = diagnose(
    [
      phase('baseline', 120, {
        '1': q(100, 7_000, 38_000, 900),
        '2': q(60, 4, 0, 0.3),
        '4': q(40, 4, 0, 0.3),
        '3': q(20, 3, 0, 0.1),
      }),
      phase('ramp', 30, { '1': q(150, 7_000, 38_000, 3_000), '2': q(150, 4, 0, 0.9) }),
      phase('tripled', 120, {
        '1': q(300, 7_100, 38_200, 9_000),
        '2': q(200, 4, 0, 2.4),
        '4': q(100, 4, 0, 2.4),
        '3': q(60, 3, 0, 0.1),
      }),
    ],
    texts,
  );
  assert.deepEqual(
    d.statements.map((s) => [s.label ?? s.sql.slice(0, 22), s.role]),
    [
      ['loadlab:product-list:before', 'cause'],
      ['SELECT id, name FROM p', 'symptom'],
      // fast at the peak too: not a symptom, whatever its share
      ['SELECT count(*) FROM p', null],
    ],
  );
  const [cause, symptom] = d.statements;
  assert.equal(cause.why, "100 % of the database's work, 38,000 temp blocks written per call at baseline already");
  assert.deepEqual(cause.work_per_call, { baseline: 83_000, peak: 83_500 });
  assert.deepEqual(cause.temp_written_per_call, { baseline: 38_000, peak: 38_200 });
  assert.deepEqual(cause.calls, { baseline: 100, ramp: 150, tripled: 300 });
  assert.equal(
    symptom.why,
    'time per call x8.0 (0.30 -> 2.40 ms) with the same work per call (4 blocks): waits behind the cause',
  );
  assert.deepEqual(symptom.calls, { baseline: 100, ramp: 150, tripled: 300 });
  assert.ok(cause.share.tripled > 0.99 && symptom.share.tripled < 0.001);
  const tripled = d.phases.find((p) => p.name === 'tripled')!;
  assert.equal(tripled.work, 300 * 83_500 + 300 * 4 + 60 * 3);
  assert.equal(tripled.busy, 22.51); // (300 x 9 s + 300 x 2.4 ms + 60 x 0.1 ms) / 120 s
  assert.equal(
    d.verdict,
    "cause: loadlab:product-list:before (100 % of the database's work, 38,000 temp blocks written per call at baseline already; 22.5 statements running on average at the peak); symptoms: SELECT id, name FROM pretixbase_subeven…",
  );
});

test('after the fix: the database kept up, so no cause and no symptom, even if a page got slower', () => {
  const d = diagnose(
    [
      phase('baseline', 120, { '1': q(100, 80, 0, 0.5), '2': q(100, 4, 0, 0.3), '3': q(100, 60, 0, 0.2) }),
      // 4x slower per call (a busy machine), with the database nearly idle
      phase('tripled', 120, { '1': q(300, 80, 0, 2), '2': q(300, 4, 0, 0.3), '3': q(300, 60, 0, 0.2) }),
    ],
    texts,
  );
  assert.ok(d.statements.every((s) => s.role === null));
  assert.equal(
    d.verdict,
    'the database kept up (0.01 statements running on average at the peak); the largest share of its work: loadlab:product-list:before (56 %)',
  );
});

test('under stress without a dominant statement: no single cause, the symptoms still named', () => {
  const d = diagnose(
    [
      phase('baseline', 1, { '1': q(100, 40, 0, 0.5), '2': q(100, 30, 0, 0.6), '3': q(100, 30, 0, 0.2) }),
      phase('tripled', 1, { '1': q(300, 40, 0, 0.6), '2': q(300, 30, 0, 3), '3': q(300, 30, 0, 0.2) }),
    ],
    texts,
  );
  assert.equal(
    d.verdict,
    "no single cause: the largest statement, loadlab:product-list:before, did 40 % of the database's work at the peak (1.1 statements running on average at the peak); symptoms: SELECT id, name FROM pretixbase_subeven…",
  );
  assert.equal(
    d.statements.find((s) => s.role === 'symptom')?.why,
    'time per call x5.0 (0.60 -> 3.00 ms) with the same work per call (30 blocks): waits for the server',
  );
  assert.equal(d.statements.find((s) => s.sql.startsWith('SELECT count'))?.label, null);
});

test('a dominant statement whose work per call grew under load says so; no statistics says so', () => {
  const d = diagnose(
    [
      phase('baseline', 1, { '1': q(10, 100, 0, 1) }),
      phase('tripled', 0.1, { '1': q(30, 400, 0, 9), '3': q(5, 2, 0, 0.1) }),
    ],
    texts,
  );
  assert.equal(d.statements[0].role, 'cause');
  assert.equal(
    d.statements[0].why,
    "100 % of the database's work, 100 blocks per call at baseline, x4.0 per call at the peak",
  );
  assert.equal(
    diagnose([phase('baseline', 1, null), phase('tripled', 1, null)], texts).verdict,
    'no statement statistics for this run (pg_stat_statements unavailable)',
  );
});

test('the report shows the diagnosis, and says so when a run has none', async () => {
  const { reportFixture } = await import('../report-fixture.ts');
  const { renderMarkdown } = await import('../../harness/incident/report/render.ts');
  const { renderHtml } = await import('../../harness/incident/report/render.ts');
  const input = reportFixture();
  assert.match(
    renderMarkdown(input),
    /## Diagnosis: which statement did the database's work\n\nThis run has no per-statement figures/,
  );
  const stressed = [
    phase('baseline', 120, { '1': q(100, 7_000, 38_000, 900), '2': q(100, 4, 0, 0.3) }),
    phase('tripled', 120, { '1': q(300, 7_000, 38_000, 9_000), '2': q(300, 4, 0, 2.4) }),
  ];
  const calm = [phase('baseline', 120, { '2': q(100, 4, 0, 0.3) }), phase('tripled', 120, { '2': q(300, 4, 0, 0.3) })];
  input.summary.diagnosis = { before: diagnose(stressed, texts), after: diagnose(calm, texts) };
  const md = renderMarkdown(input);
  const section = md.slice(md.indexOf('## Diagnosis'), md.indexOf('## EXPLAIN'));
  assert.match(
    section,
    /before: cause: loadlab:product-list:before \(100 % of the database's work, 38,000 temp blocks written per call at baseline already; 22\.5 statements running on average at the peak\); symptoms: SELECT id, name FROM pretixbase\\_subeven…\./,
  );
  assert.match(
    section,
    /\| 1 \| loadlab:product-list:before \| cause \| 100\.0 % → 100\.0 % \| 83,000 → 83,000 \| 900 ms → 9,000 ms \|/,
  );
  assert.match(section, /\| 2 \| SELECT id, name FROM pretixbase\\_subevent WHERE id… \| symptom: waits \| /);
  assert.match(section, /after: the database kept up/);
  // the fixture's EXPLAIN of before, next to the run's figure for the same statement
  assert.match(
    section,
    /before: the product-list statement \(ranked 1\) touched 83,000 blocks per call at baseline and wrote 38,000 temp blocks; the EXPLAIN below of one date: [\d,]+ buffers touched, [\d,]+ temp blocks written\./,
  );
  const html = renderHtml(input);
  assert.match(
    html,
    /Diagnosis: which statement did the database&#39;s work|Diagnosis: which statement did the database's work/,
  );
  assert.match(html, /before: cause: loadlab:product-list:before \(100 % of the database/);
});
