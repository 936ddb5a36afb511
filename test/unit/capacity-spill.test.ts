// The old query's step at a spill: a solo time fitted through sizes that ran in memory cannot show it, the memory
// of its hungriest plan node can. Synthetic plans and points: where that memory crosses its limit below the
// held-out size the solo projection adds the spill's measured cost and predicts 0; where it does not, nothing
// changes; missing or bad figures leave the old path with a note.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { beforePoint, capacityRun } from '../helpers/capacity-run.ts';
import { projectVariant } from '../../harness/capacity/projection.ts';
import { fitSpill, spillExtraMs } from '../../harness/capacity/spill-projection.ts';
import { hungriestNode, memoryNodes, settingKb } from '../../harness/capacity/plan-memory.ts';
import { loweredWorkMemKb } from '../../harness/capacity/memory-probe.ts';
import { soloFrom } from '../../harness/capacity/solo-probe.ts';
import { trustSentence } from '../../harness/capacity/review-figures.ts';
import { reviewPage } from '../../harness/capacity/review.ts';
import { withModels } from '../../harness/capacity/review-run.ts';
import { renderReport } from '../../harness/report/write.ts';
import type { PlanNode } from '../../shop/explain.ts';
import type { CapacityPoint, PlanMemory, PlanRuns, SoloTime } from '../../harness/capacity/types.ts';

const SLO = 1000;
const WORK_MEM = 4096;
const HASH = 'Hash of pretixbase_quota_items';
const SIZES = [1000, 3000, 10000, 30000];

const alone = (ms: number): SoloTime =>
  soloFrom(
    [0.98, 0.99, 1, 1, 1, 1.01, 1.02].map((f) => ms * f),
    0,
    (ms * 8) / 1000,
  )!;

function runs(o: Partial<PlanRuns> & { execution_ms: number }): PlanRuns {
  return {
    work_mem_kb: WORK_MEM,
    node: HASH,
    memory_kb: null,
    limit_kb: WORK_MEM * 2,
    spilled: false,
    temp_blocks_written: 0,
    runs_ms: [o.execution_ms],
    ...o,
  };
}

/** a hash of `kb` in memory taking `inMemoryMs`; with work_mem lowered it spills and takes `spilledMs` */
function planMemory(kb: number, inMemoryMs: number, spilledMs: number | null): PlanMemory {
  return {
    subevent_id: 1,
    hash_mem_multiplier: 2,
    at_work_mem: runs({ memory_kb: kb, execution_ms: inMemoryMs }),
    lowered:
      spilledMs === null
        ? null
        : runs({
            work_mem_kb: 64,
            limit_kb: 128,
            memory_kb: 128,
            spilled: true,
            temp_blocks_written: 900,
            execution_ms: spilledMs,
          }),
    note: null,
  };
}

/** at the held-out size the hash is over its limit: in batches, on disk */
const spilledThere = (ms: number): PlanMemory => ({
  subevent_id: 1,
  hash_mem_multiplier: 2,
  at_work_mem: runs({ memory_kb: 8000, spilled: true, temp_blocks_written: 39101, execution_ms: ms }),
  lowered: null,
  note: `${HASH} spilled already`,
});

const point = (dates: number, capacity: number, soloMs: number, pm: PlanMemory | null | undefined): CapacityPoint =>
  beforePoint(dates, capacity, { solo: alone(soloMs), ...(pm === undefined ? {} : { plan_memory: pm }) });

/**
 * The old query: capacity 3e6 x dates^-0.9 below 30,000 and 0 there; alone 5 ms + 0.02 ms a date in memory (605 ms
 * at 30,000, under the SLO); its hash `kbPerDate` kB a date over 400 kB; a spill adds 5 ms + 0.03 ms a date.
 */
const series = (kbPerDate: number, opts: { lowered?: number[] } = {}) =>
  SIZES.map((d) =>
    d === 30000
      ? point(d, 0, 1700, spilledThere(1130.7))
      : point(
          d,
          Math.round(3e6 * d ** -0.9),
          5 + 0.02 * d,
          planMemory(
            400 + kbPerDate * d,
            0.01 * d,
            (opts.lowered ?? [1000, 3000, 10000]).includes(d) ? 0.04 * d + 5 : null,
          ),
        ),
  );

test('plan nodes: a sort and a hash, what each used, which is closest to its limit, which spilled', () => {
  const plan: PlanNode = {
    'Node Type': 'Sort',
    'Sort Space Used': 900,
    'Sort Space Type': 'Memory',
    Plans: [
      {
        'Node Type': 'Hash Join',
        Plans: [
          { 'Node Type': 'Seq Scan', 'Relation Name': 'pretixbase_item' },
          {
            'Node Type': 'Hash',
            'Peak Memory Usage': 1500,
            'Hash Batches': 1,
            Plans: [{ 'Node Type': 'Seq Scan', 'Relation Name': 'pretixbase_quota_items' }],
          },
        ],
      },
    ],
  };
  const nodes = memoryNodes(plan);
  assert.deepEqual(
    nodes.map((n) => [n.label, n.memory_kb, n.hash_limit, n.spilled]),
    [
      ['Sort of pretixbase_item', 900, false, false],
      [HASH, 1500, true, false],
    ],
  );
  // 1,500 kB of a hash limit twice work_mem is further from it than 900 kB of a sort's work_mem
  assert.equal(hungriestNode(plan, 2)!.label, 'Sort of pretixbase_item');
  assert.equal(hungriestNode(plan, 1)!.label, HASH);
  // a hash in two batches spilled: it is the node, whatever the sort used
  (plan.Plans![0].Plans![1] as PlanNode)['Hash Batches'] = 2;
  assert.equal(hungriestNode(plan, 2)!.label, HASH);
  assert.equal(hungriestNode({ 'Node Type': 'Seq Scan' }, 2), null);
  // the old query's plan at 30,000 dates: an incremental sort whose presorted groups went to disk
  const incremental: PlanNode = {
    'Node Type': 'Incremental Sort',
    'Full-sort Groups': { 'Sort Space Memory': { 'Peak Sort Space Used': 87 } },
    'Pre-sorted Groups': { 'Sort Space Disk': { 'Peak Sort Space Used': 22072 } },
    Plans: [{ 'Node Type': 'Index Scan', 'Relation Name': 'pretixbase_item' }],
  };
  assert.deepEqual(memoryNodes(incremental), [
    {
      label: 'Incremental Sort of pretixbase_item',
      type: 'Incremental Sort',
      memory_kb: 22072,
      hash_limit: false,
      spilled: true,
    },
  ]);
  const inMemory = { ...incremental, 'Pre-sorted Groups': { 'Sort Space Memory': { 'Peak Sort Space Used': 2267 } } };
  assert.deepEqual(
    memoryNodes(inMemory).map((n) => [n.memory_kb, n.spilled]),
    [[2267, false]],
  );
  assert.deepEqual(
    [settingKb('4MB'), settingKb('64kB'), settingKb('1GB'), settingKb('lots')],
    [4096, 64, 1024 ** 2, null],
  );
  // lowered so the hash's limit is 60 % of what it used: two batches, as a first spill
  assert.equal(loweredWorkMemKb({ memory_kb: 7400, hash_limit: true }, 2), 2220);
  assert.equal(loweredWorkMemKb({ memory_kb: 50, hash_limit: false }, 2), 64, "never below PostgreSQL's 64 kB");
});

test('the memory crosses work_mem below the held-out size: the solo projection includes the spill and predicts 0', () => {
  const pr = projectVariant(series(0.7), SLO)!;
  const v = pr.validation!;
  assert.equal(v.predicted_by, 'solo-time');
  assert.deepEqual([v.held_out_dates, v.predicted, v.measured, v.error], [30000, 0, 0, 0]);
  const c = v.solo_spill!;
  assert.ok(c.predicted);
  // 400 + 0.7 kB a date reaches the hash's 8,192 kB at 11,131 dates
  assert.ok(Math.abs(c.spill_dates! - 11131) <= 1, `${c.spill_dates}`);
  assert.ok(Math.abs(c.without_spill_ms - 605) < 0.2, `${c.without_spill_ms}`);
  assert.ok(Math.abs(c.extra_ms - 905) < 0.2, `${c.extra_ms}`);
  assert.ok(Math.abs(v.solo_predicted_ms! - 1510) < 0.3, `${v.solo_predicted_ms}`);
  assert.deepEqual(c.measured, { node: HASH, spilled: true, temp_blocks_written: 39101, execution_ms: 1130.7 });
  const s = c.spill!;
  assert.deepEqual(
    [s.node, s.cost_model, s.measured_at_dates, s.work_mem_kb, s.limit_kb],
    [HASH, 'extra-per-date', [1000, 3000, 10000], WORK_MEM, 8192],
  );
  assert.deepEqual(s.memory_kb_by_dates, { 1000: 1100, 3000: 2500, 10000: 7400 });
  assert.equal(s.spilled_ratio, 4.05, 'at 10,000 dates: 405 ms spilled / 100 ms in memory');
  const said = trustSentence(pr, SLO);
  assert.match(said, /one request alone is projected at a p50 of 1,510 ms and a p95 of 1,540 ms/);
  assert.match(said, /error 0 %, within the issue's 25 %/);
  assert.match(
    said,
    /That includes a spill: from 1,000, 3,000, 10,000 dates the query's Hash of pretixbase_quota_items is projected over its 8,192 kB limit from 11,13\d dates, adding 905 ms to the 605 ms projected in memory\./,
  );
  assert.match(
    said,
    /Measured alone at 30,000 dates: Hash of pretixbase_quota_items spilled \(39,101 temp blocks written\), 1,131 ms of EXPLAIN\./,
  );
  // the projection over all sizes leaves out 30,000 (spilled there: its memory is not its need) and breaks earlier
  assert.ok(
    pr.solo!.spill!.spill_dates! > 11000 &&
      pr.solo!.spill!.note!.includes('30,000 (Hash of pretixbase_quota_items spilled already)'),
  );
  // without the spill, the same points projected 605 ms: under the SLO, no 0
  const plain = projectVariant(
    series(0.7).map(({ plan_memory: _m, ...p }) => p),
    SLO,
  )!.validation!;
  assert.equal(plain.predicted_by, 'capacity-curve');
  assert.match(plain.solo_spill!.note!, /not measured alone at any size/);
});

test('one size timed spilled: its ratio multiplies the solo time', () => {
  const pr = projectVariant(series(0.7, { lowered: [10000] }), SLO)!;
  const s = pr.validation!.solo_spill!.spill!;
  assert.deepEqual(
    [s.cost_model, s.spilled_ratio, s.measured_at_dates, s.extra_parameters],
    ['ratio', 4.05, [10000], null],
  );
  assert.ok(Math.abs(spillExtraMs(s, 605, 30000) - 605 * 3.05) < 0.01);
  assert.equal(spillExtraMs(s, 605, 5000), 0, 'below spill_dates nothing is added');
  assert.equal(pr.validation!.predicted_by, 'solo-time');
});

test('the memory stays under work_mem at the held-out size: the old path, nothing added', () => {
  // 400 + 0.1 kB a date: 3,400 kB at 30,000 dates, its limit reached only at 77,920
  const pr = projectVariant(series(0.1), SLO)!;
  const v = pr.validation!;
  assert.equal(v.predicted_by, 'capacity-curve');
  assert.ok(Math.abs(v.solo_predicted_ms! - 605) < 0.2);
  assert.deepEqual([v.solo_spill!.predicted, v.solo_spill!.extra_ms, v.solo_spill!.spill_dates], [false, 0, 77920]);
  assert.match(
    trustSentence(pr, SLO),
    /No spill is counted there: its Hash of pretixbase_quota_items is projected over its limit only from 77,920 dates\./,
  );
  // as measured here: at 30,000 dates another node spilled (the planner sorted the rows it hashed below)
  const switched = series(0.1);
  switched[3].plan_memory!.at_work_mem.node = 'Incremental Sort of pretixbase_itemcategory';
  assert.match(
    trustSentence(projectVariant(switched, SLO), SLO),
    /Measured alone at 30,000 dates: Incremental Sort of pretixbase_itemcategory spilled \(39,101 temp blocks written\), 1,131 ms of EXPLAIN\. That is not the node projected: the planner chose another plan there/,
  );
});

test('missing or bad plan memory: the old path, with a note naming the sizes', () => {
  const pts = series(0.7);
  pts[0] = { ...pts[0], plan_memory: null };
  pts[1] = { ...pts[1], plan_memory: { ...planMemory(Number.NaN, 30, 100) } };
  const pr = projectVariant(pts, SLO)!;
  const v = pr.validation!;
  assert.equal(v.predicted_by, 'capacity-curve');
  assert.equal(v.solo_spill!.spill, null);
  assert.match(
    v.solo_spill!.note!,
    /fewer than two sizes with the query's memory measured in memory: plan memory left out at 1,000 \(the probe failed\), 3,000 \(memory NaN kB is not a size\)/,
  );
  assert.match(trustSentence(pr, SLO), /No spill could be projected \(fewer than two sizes/);
  // a plan of another shape at one size is left out, not fitted with the others
  const other = series(0.7);
  other[0].plan_memory!.at_work_mem.node = 'Sort of pretixbase_item';
  const { spill, note } = fitSpill(other.slice(0, 3));
  assert.deepEqual(Object.keys(spill!.memory_kb_by_dates), ['3000', '10000']);
  assert.match(note!, /1,000 \(Sort of pretixbase_item instead of Hash of pretixbase_quota_items\)/);
  // the spill never timed: projected but its cost unknown, so nothing is added and the note says why
  const untimed = projectVariant(series(0.7, { lowered: [] }), SLO)!.validation!;
  assert.deepEqual([untimed.predicted_by, untimed.solo_spill!.predicted], ['capacity-curve', false]);
  assert.match(untimed.solo_spill!.note!, /the spill was not timed at any size/);
  // memory that does not grow: no spill date
  const flat = SIZES.slice(0, 3).map((d) => point(d, 100, 50, planMemory(500, 10, 30)));
  assert.equal(fitSpill(flat).spill!.spill_dates, null);
});

test("the review prints each size's plan memory and the spill sentence", () => {
  const points = series(0.7);
  const r = capacityRun(points, SLO);
  // markdown escapes the underscores of the table names
  const md = renderReport(reviewPage(r, { visitors_per_min: 100, basis: 'given' })).md.replace(/\\(.)/g, '$1');
  assert.match(
    md,
    /Hash of pretixbase_quota_items 7,400 kB \(limit 8,192 kB\), 100 ms; work_mem 64 kB: spilled, 405 ms, 900 temp blocks/,
  );
  assert.match(md, /Hash of pretixbase_quota_items 8,000 kB on disk \(limit 8,192 kB\), 1130\.7 ms, 39101 temp blocks/);
  assert.match(
    md,
    /The query's Hash of pretixbase_quota_items used 1,100 kB at 1,000, 2,500 kB at 3,000, 7,400 kB at 10,000/,
  );
  assert.match(md, /a spill adds 5 ms \+ 0\.03 ms x dates/);
});

test("a review of a run folder projects with the run's SLO, so the solo time and its spill decide there too", () => {
  const r = capacityRun(series(0.7), SLO, false);
  const v = withModels(r).variants![0].projection!.validation!;
  assert.deepEqual([v.predicted_by, v.predicted, v.error, v.solo_spill?.predicted], ['solo-time', 0, 0, true]);
});
