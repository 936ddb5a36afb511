// The review's judgements from known figures: the limit named from a step's usage, the projection and its
// held-out check, where the SLO breaks, and what the page and its chart say.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classify, pointBottleneck } from '../../harness/capacity/bottleneck.ts';
import { auditCrossCheck, projectVariant } from '../../harness/capacity/projection.ts';
import { breakDates, chooseTraffic, headroom, trustSentence } from '../../harness/capacity/review-figures.ts';
import { reviewPage } from '../../harness/capacity/review.ts';
import { renderReport } from '../../harness/report/write.ts';
import type { CapacityPoint, CapacityResult, StepUsage } from '../../harness/capacity/types.ts';
import { capacityRun } from '../helpers/capacity-run.ts';

const idle: StepUsage = {
  seconds: 10,
  cpus: 2,
  machine_cpu_busy: 0.3,
  shop_cpu_cores: 0.2,
  runner_cpu_cores: 0.1,
  db_cpu_cores: 0.2,
  db_read_bytes_per_s: 0,
  db_temp_bytes_per_s: 0,
  db_active_statements: 0.2,
  db_io_waiting: 0,
};

test('the limit named from the figures: disk, an event loop, the machine, the database', () => {
  assert.equal(classify({ ...idle, db_temp_bytes_per_s: 40e6, db_active_statements: 6 }).kind, 'disk');
  assert.equal(classify({ ...idle, db_active_statements: 4, db_io_waiting: 2 }).kind, 'disk');
  assert.equal(classify({ ...idle, shop_cpu_cores: 0.97, machine_cpu_busy: 0.9 }).kind, 'shop-cpu');
  assert.equal(classify({ ...idle, runner_cpu_cores: 0.93 }).kind, 'runner-cpu');
  const db = classify({ ...idle, machine_cpu_busy: 0.98, db_cpu_cores: 1.6, db_active_statements: 3 });
  assert.equal(db.kind, 'database');
  assert.match(db.reason, /98 % busy, the database using 1\.60 cores of the 1\.96 cores/);
  const shared = classify({ ...idle, machine_cpu_busy: 1, db_cpu_cores: 0.3 });
  assert.equal(shared.kind, 'machine-cpu');
  assert.match(shared.reason, /everything else on the machine 1\.40 cores/, 'other users of the cores are counted');
  assert.equal(classify({ ...idle, db_active_statements: 1.5 }).kind, 'database');
  // measured at 10,000 dates on a busy machine: the old query's statements queue while others share the cores
  const queued = classify({
    ...idle,
    machine_cpu_busy: 1,
    db_cpu_cores: 1.06,
    shop_cpu_cores: 0.08,
    db_active_statements: 4.8,
  });
  assert.equal(queued.kind, 'database');
  assert.match(queued.reason, /4\.8 statements were running/);
  const none = classify(idle);
  assert.match(none.reason, /nothing was saturated/);
});

test("a point's limit comes from its lowest failing step, else its highest passing one", () => {
  const step = (rate: number, passed: boolean, u: Partial<StepUsage>) => ({
    visitors_per_min: rate,
    product_list_p95_ms: 0,
    error_rate: 0,
    dropped_iterations: 0,
    passed,
    usage: { ...idle, ...u },
  });
  const b = pointBottleneck([
    step(100, true, {}),
    step(400, false, { shop_cpu_cores: 0.99 }),
    step(200, false, { runner_cpu_cores: 0.99 }),
  ])!;
  assert.deepEqual([b.kind, b.at_visitors_per_min], ['runner-cpu', 200]);
  assert.equal(pointBottleneck([step(100, true, { shop_cpu_cores: 0.9 }), step(50, true, {})])!.kind, 'shop-cpu');
  assert.equal(pointBottleneck([{ ...step(100, false, {}), usage: null }]), null);
});

function point(variant: CapacityPoint['variant'], dates: number, capacity: number): CapacityPoint {
  return {
    variant,
    dates,
    capacity_visitors_per_min: capacity,
    first_failing_visitors_per_min: capacity * 1.05,
    steps: [],
    repeats: [],
    median: capacity,
    range: [capacity * 0.95, capacity * 1.05],
    bottleneck: null,
  };
}

const SIZES = [1000, 3000, 10000, 30000];
const oldQuery = (d: number) => Math.round(3e6 * d ** -0.9);

test('the projection is checked on the largest size, left out of its fit', () => {
  const exact = projectVariant(SIZES.map((d) => point('before', d, oldQuery(d))))!;
  assert.ok(Math.abs(exact.parameters.b! + 0.9) < 0.01, `exponent ${exact.parameters.b}`);
  assert.equal(exact.validation!.held_out_dates, 30000);
  assert.ok(Math.abs(exact.validation!.error!) < 0.01, `error ${exact.validation!.error}`);
  // the largest size falls off the curve the smaller ones draw: the held-out error shows it
  const bent = projectVariant(SIZES.map((d) => point('before', d, d === 30000 ? oldQuery(d) / 2 : oldQuery(d))))!;
  assert.ok(
    Math.abs(bent.validation!.error! - 1) < 0.02,
    `a capacity half the curve's: +100 %, got ${bent.validation!.error}`,
  );
  assert.match(trustSentence(bent), /More than 25 % off/);
  assert.match(trustSentence(exact), /Trust it within about 10 %/);
  const two = projectVariant([point('after', 1000, 900), point('after', 3000, 880)])!;
  assert.equal(two.validation, null);
  assert.match(two.validation_note!, /2 sizes with a capacity/);
  assert.equal(projectVariant([point('after', 1000, 900)]), null);
});

test('the curve is chosen on the smaller sizes alone, and checked on the largest', () => {
  const costly = (d: number) => Math.round(1 / (4e-4 + 2e-7 * d));
  const lc = projectVariant(SIZES.map((d) => point('before', d, costly(d))))!;
  assert.equal(lc.model, 'linear-cost');
  assert.match(lc.choice, /chosen on the 3 smaller sizes alone/);
  assert.ok(Math.abs(lc.validation!.error!) < 0.01, `error ${lc.validation!.error}`);
  assert.equal(projectVariant(SIZES.map((d) => point('before', d, oldQuery(d))))!.model, 'power-law');
  assert.equal(projectVariant(SIZES.slice(0, 3).map((d) => point('before', d, costly(d))))!.model, 'power-law');
});

test('a largest size where every rate failed checks the prediction against the lowest failing rate', () => {
  const pts = SIZES.map((d) => point('before', d, oldQuery(d)));
  pts[3] = { ...pts[3], capacity_visitors_per_min: 0, first_failing_visitors_per_min: 1.3 };
  const pr = projectVariant(pts)!;
  assert.deepEqual(
    [pr.validation!.held_out_dates, pr.validation!.error, pr.validation!.measured_below],
    [30000, null, 1.3],
  );
  assert.match(trustSentence(pr), /at least \d+ % too high/);
  pts[3].first_failing_visitors_per_min = 1000;
  assert.match(trustSentence(projectVariant(pts)), /consistent with that bound/);
});

test('where the SLO breaks: solved on the curve, said to be an extrapolation beyond the sizes measured', () => {
  const pr = projectVariant(SIZES.map((d) => point('before', d, oldQuery(d))))!;
  const at = (t: number) => breakDates(pr, t, SIZES);
  const today = at(oldQuery(30000) * 0.4);
  assert.ok(today.dates! > 30000 * 2.6 && today.dates! < 30000 * 2.9, `${today.dates}`);
  assert.match(today.note, /extrapolated 2\.\dx beyond/);
  assert.match(at(oldQuery(3000)).note, /within the sizes measured/);
  assert.match(at(oldQuery(500)).note, /below the smallest size measured/);
  assert.match(at(oldQuery(30000) / 100).note, /beyond 10x the largest size measured: not projected that far/);
  const flat = projectVariant(SIZES.map((d) => point('after', d, 2000)))!;
  assert.deepEqual(breakDates(flat, 1000, SIZES).dates, null);
  assert.equal(headroom(point('after', 1000, 2000), 800), 2.5);
});

test('audit cross-check: the exponent of the statement doing most work per visitor, for its own variant only', () => {
  const baseline = {
    variant: 'after',
    sizes: [{ dates: 300 }, { dates: 3000 }],
    statements: [
      { fingerprint: 'aaa', work_per_call: [10, 100], calls_per_visitor: [1, 1] },
      { fingerprint: 'bbb', work_per_call: [50, 50], calls_per_visitor: [1, 1] },
    ],
  };
  const c = auditCrossCheck(baseline, 'after')!;
  assert.deepEqual([c.fingerprint, c.work_exponent], ['aaa', 1]);
  assert.equal(auditCrossCheck(baseline, 'before'), null);
  assert.equal(auditCrossCheck({ nonsense: true }, 'after'), null);
});

test('the review page: traffic, headroom, the break, the limit, and a chart of what it says', () => {
  const points = SIZES.flatMap((d) => [point('before', d, oldQuery(d)), point('after', d, 2400)]);
  points[0].bottleneck = {
    kind: 'machine-cpu',
    at_visitors_per_min: 6000,
    reason: 'the machine was busy',
    figures: idle,
    dropped_iterations: 0,
  };
  const r: CapacityResult = {
    schema: 'loadlab.capacity/v1',
    run_id: 'r1',
    started_at: 's',
    finished_at: 'f',
    slo: { product_list_p95_ms: 1000, max_error_rate: 0.01 },
    step_duration_s: 15,
    machine: null,
    points,
    repeats: 3,
    variants: (['before', 'after'] as const).map((v) => ({
      variant: v,
      projection: projectVariant(points.filter((p) => p.variant === v)),
      usl: null,
    })),
  };
  const t = chooseTraffic(r, undefined)!;
  assert.equal(t.visitors_per_min, Math.round(oldQuery(30000) * 0.4 * 10) / 10);
  assert.equal(chooseTraffic(r, 900)!.visitors_per_min, 900);
  const page = reviewPage(r, t);
  assert.match(page.model.verdict, /The old query at 30,000 dates sustains .*2\.50x today's traffic.*0\.83x 3x/);
  assert.match(page.model.verdict, /at 3x at 2\d,\d{3} dates \(within the sizes measured\)/);
  const chart = page.charts[0];
  assert.deepEqual(
    chart.series.map((s) => s.label),
    ['before measured', 'before projected', 'after measured', 'after projected', 'traffic today', 'traffic 3x today'],
  );
  assert.deepEqual(chart.series[0].values, SIZES.map(oldQuery));
  assert.ok(chart.series[4].values.every((v) => v === t.visitors_per_min));
  const { md } = renderReport(page);
  assert.match(md, /machine-cpu: the machine was busy/);
  assert.match(md, /no difference measured|the fix higher/);
});

test("today's traffic: from the largest size the old query served, when at the largest it met the SLO at no rate", () => {
  const points = SIZES.flatMap((d) => [point('before', d, d === 30000 ? 0 : oldQuery(d)), point('after', d, 2400)]);
  const r = capacityRun(points, 1000);
  const t = chooseTraffic(r, undefined)!;
  assert.equal(t.visitors_per_min, Math.round(oldQuery(10000) * 0.4 * 10) / 10);
  assert.match(
    t.basis,
    /at 10,000 dates, the largest size where it met the SLO at any rate \(at 30,000 it met it at none\)/,
  );
  // nothing the old query served anywhere: no rule to apply, the review asks for --traffic
  const none = capacityRun(
    SIZES.map((d) => point('before', d, 0)),
    1000,
  );
  assert.equal(chooseTraffic(none, undefined), null);
});
