// The time of one product list alone against dates: where it is projected over the SLO at the held-out size,
// the projection predicts capacity 0 (which no capacity curve can), and the review says so with the figures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { beforePoint, capacityRun } from '../helpers/capacity-run.ts';
import { projectVariant } from '../../harness/capacity/projection.ts';
import { fitSolo, soloAt, soloSamples } from '../../harness/capacity/solo-projection.ts';
import { soloFrom } from '../../harness/capacity/solo-probe.ts';
import { breakDates, trustSentence } from '../../harness/capacity/review-figures.ts';
import { renderCapacityMarkdown } from '../../harness/capacity/render.ts';
import { reviewPage } from '../../harness/capacity/review.ts';
import { renderReport } from '../../harness/report/write.ts';
import type { CapacityPoint, SoloTime } from '../../harness/capacity/types.ts';

const SIZES = [1000, 3000, 10000, 30000];
const SLO = 1000;
const oldQuery = (d: number) => Math.round(3e6 * d ** -0.9);
/** ten requests around `ms`, their median exactly `ms` */
const alone = (ms: number): SoloTime =>
  soloFrom(
    [0.97, 0.98, 0.99, 1, 1, 1, 1.01, 1.02, 1.03, 1.1].map((f) => ms * f),
    0,
    (ms * 11) / 1000,
  )!;

const point = (dates: number, capacity: number, solo: SoloTime | null | undefined): CapacityPoint =>
  beforePoint(dates, capacity, solo === undefined ? {} : { solo });

/** the old query: its capacity curve through the smaller sizes, 0 measured at 30,000, alone `perDate` ms a date */
const series = (perDate: number, at30000 = 0) =>
  SIZES.map((d) => point(d, d === 30000 ? at30000 : oldQuery(d), alone(5 + perDate * d)));

test('the solo probe: nearest-rank p50 and p95 of the answered requests, nothing without an answer', () => {
  const s = soloFrom([30, 10, 20, 50, 40], 1, 0.4)!;
  assert.deepEqual([s.requests, s.failed, s.p50_ms, s.p95_ms, s.seconds], [5, 1, 30, 50, 0.4]);
  assert.deepEqual(s.durations_ms, [30, 10, 20, 50, 40], 'in the order they were sent');
  assert.equal(alone(1205).p50_ms, 1205);
  assert.equal(soloFrom([], 3, 20), null);
});

test('alone over the SLO at the held-out size: predicted 0 where nothing passed, error 0, and the curve overruled', () => {
  // 5 ms + 0.04 ms a date: 405 ms at 10,000 dates, 1,205 ms at 30,000, over the SLO's 1,000 ms
  const pr = projectVariant(series(0.04), SLO)!;
  const v = pr.validation!;
  assert.equal(v.predicted_by, 'solo-time');
  assert.deepEqual([v.held_out_dates, v.predicted, v.measured, v.error], [30000, 0, 0, 0]);
  assert.ok(v.curve_predicted! > 0, `the capacity curve alone says ${v.curve_predicted}`);
  assert.equal(v.measured_below, 1.3);
  assert.ok(Math.abs(v.solo_predicted_ms! - 1205) < 0.2, `${v.solo_predicted_ms}`);
  assert.equal(v.solo_measured_ms, 1205);
  assert.ok(Math.abs(v.solo_error!) < 0.001);
  assert.equal(pr.solo!.model, 'linear');
  // the ten requests' p95 is 1.1 times their median at every size: the p95 alone reaches 1,000 ms where the p50
  // reaches 909 ms, at (909.1 - 5) / 0.04 dates
  assert.equal(pr.solo!.p95_ratio, 1.1);
  assert.ok(Math.abs(v.solo_predicted_p95_ms! - 1325.5) < 0.2, `${v.solo_predicted_p95_ms}`);
  assert.equal(v.solo_measured_p95_ms, 1325.5);
  assert.ok(Math.abs(pr.solo!.slo_dates! - 22602) <= 1, `alone reaches 1,000 ms at ${pr.solo!.slo_dates} dates`);
  const said = trustSentence(pr, SLO);
  assert.match(
    said,
    /predicts no rate meets the SLO there: one request alone is projected at a p50 of 1,205 ms and a p95 of 1,326 ms \(the p50 times 1\.1,/,
  );
  assert.match(said, /over the SLO's p95 of 1,000 ms/);
  assert.match(
    said,
    new RegExp(`The capacity curve alone predicted ${v.curve_predicted} visitors/min; the solo time wins`),
  );
  assert.match(said, /error 0 %, within the issue's 25 %/);
  // a rate passed there after all: the solo verdict was wrong, and the error says how
  const wrong = projectVariant(series(0.04, 50), SLO)!.validation!;
  assert.deepEqual([wrong.predicted_by, wrong.predicted, wrong.measured, wrong.error], ['solo-time', 0, 50, -1]);
  assert.match(
    trustSentence(projectVariant(series(0.04, 50), SLO), SLO),
    /But 50 visitors\/min were measured there \(-100 %\)/,
  );
});

test('alone under the SLO at the held-out size: the capacity curve decides, as without solo times', () => {
  // 305 ms at 30,000 dates: the solo time does not rule out a rate, so the old bound stays
  const pr = projectVariant(series(0.01), SLO)!;
  const plain = projectVariant(series(0.01))!;
  const v = pr.validation!;
  assert.equal(v.predicted_by, 'capacity-curve');
  assert.deepEqual([v.predicted, v.error, v.measured_below], [plain.validation!.predicted, null, 1.3]);
  assert.equal(v.curve_predicted, v.predicted);
  assert.ok(Math.abs(v.solo_predicted_ms! - 305) < 0.2);
  const said = trustSentence(pr, SLO);
  assert.match(said, /at least \d+ % too high/);
  assert.match(
    said,
    /One product list alone is projected at a p50 of 305 ms and a p95 of 336 ms .*\(measured alone there: 305 ms, 0 %; p95 336 ms\) there, the p95 under the SLO's p95 of 1,000 ms/,
  );
  // a capacity measured at the held-out size: the curve's error, untouched
  const measured = SIZES.map((d) => point(d, oldQuery(d), alone(5 + 0.01 * d)));
  assert.equal(projectVariant(measured, SLO)!.validation!.error, projectVariant(measured)!.validation!.error);
  // without the SLO (an older caller) nothing about solo times is added
  assert.equal(plain.validation!.predicted_by, undefined);
  assert.equal(plain.solo, undefined);
});

test('missing or bad solo data: the old path stays, with a note naming the sizes', () => {
  const pts = series(0.04);
  pts[0] = { ...pts[0], solo: undefined };
  pts[1] = { ...pts[1], solo: soloFrom([40, 41], 0, 0.1) };
  pts[2] = { ...pts[2], solo: null };
  const pr = projectVariant(pts, SLO)!;
  const v = pr.validation!;
  assert.deepEqual([v.predicted_by, v.error, v.solo_predicted_ms], ['capacity-curve', null, undefined]);
  assert.equal(v.predicted, projectVariant(pts)!.validation!.predicted);
  assert.match(v.solo_note!, /fewer than two sizes below 30,000 dates with a solo time/);
  assert.match(
    v.solo_note!,
    /1,000 \(not measured\), 3,000 \(2 requests, fewer than 3\), 10,000 \(no request answered\)/,
  );
  assert.match(trustSentence(pr, SLO), /The solo time could not be projected \(.*\): the capacity curve decided alone/);
  const nan = series(0.04);
  nan[1] = { ...nan[1], solo: { ...alone(125), p50_ms: Number.NaN } };
  assert.match(soloSamples(nan).note!, /3,000 \(p50 NaN ms is not a time\)/);
  // one size still bad, two good below the held-out one: the solo time decides, and the note stays
  const partly = projectVariant(nan, SLO)!.validation!;
  assert.equal(partly.predicted_by, 'solo-time');
  assert.match(partly.solo_note!, /3,000/);
});

test('the solo curve: a cost per date, or a power law when that fits closer', () => {
  const at = (f: (d: number) => number) => SIZES.slice(0, 3).map((d) => point(d, 100, alone(f(d))));
  const lin = fitSolo(
    at((d) => 20 + 0.03 * d),
    SLO,
  )!;
  assert.deepEqual([lin.model, lin.parameters.t0, lin.parameters.t1], ['linear', 20, 0.03]);
  const pow = fitSolo(
    at((d) => 0.001 * d ** 1.5),
    SLO,
  )!;
  assert.equal(pow.model, 'power-law');
  assert.ok(Math.abs(soloAt(pow, 30000) - 0.001 * 30000 ** 1.5) / (0.001 * 30000 ** 1.5) < 0.01);
  assert.match(pow.choice, /rms error .* ms as a fixed cost plus a cost per date, .* ms as a power law/);
  assert.equal(
    fitSolo(
      at(() => 50),
      SLO,
    )!.slo_dates,
    null,
    'a flat time never reaches the SLO',
  );
  const flatOver = fitSolo(
    at(() => 1500),
    SLO,
  )!;
  assert.equal(flatOver.slo_dates, 0, 'a flat time over the SLO is over it at every size');
});

test('the review prints the figures its solo sentence quotes', () => {
  const points = series(0.04);
  const r = capacityRun(points, SLO);
  const { md } = renderReport(reviewPage(r, { visitors_per_min: 100, basis: 'given' }));
  assert.match(md, /one request alone is projected at a p50 of 1,205 ms and a p95 of 1,326 ms/);
  assert.match(md, /\| 0 \(alone over the SLO\) \| 0 \(\\?< 1\.3\) \| 0\.0 % \|/);
  assert.match(md, /\| 1,205 \/ 1,326 ms \(p95 over 1,000\) \/ 1,205 \/ 1,326 ms \|/);
  assert.match(md, /alone p50 = 5 ms \+ 0\.04 ms x dates \(fitted to 1,000, 3,000, 10,000, 30,000 dates/);
  // each point's own solo figures, in the review's limits table and in capacity.md
  assert.match(md, /\| 1205 \/ 1325\.5 ms \(10\) \|/);
  const older = renderCapacityMarkdown({ ...r, points: [point(1000, 900, undefined), point(3000, 800, null)] });
  assert.match(older, /\| not measured \|/, 'a file from before the probe');
  assert.match(older, /\| no answer \|/);
});

test('where the SLO breaks: at the dates where one request alone reaches it, when the curve says later or never', () => {
  const pr = projectVariant(series(0.04), SLO)!;
  // the capacity curve at a small traffic: past 10x the sizes measured; the p95 alone reaches 1,000 ms at 22,602 dates
  const low = breakDates(pr, oldQuery(30000) / 100, SIZES);
  assert.deepEqual(low, {
    dates: 22600,
    note: 'within the sizes measured; one product list alone reaches the SLO there, at any traffic',
  });
  // a traffic the curve meets at fewer dates: the curve's break stands
  const high = breakDates(pr, oldQuery(3000), SIZES);
  assert.ok(high.dates! < 4000 && high.note === 'within the sizes measured', JSON.stringify(high));
  // no solo times: the curve alone, as before
  assert.match(breakDates(projectVariant(series(0.04))!, oldQuery(30000) / 100, SIZES).note, /beyond 10x/);
});

test('a p50 alone under the SLO with a p95 alone over it predicts 0: the SLO is on the p95', () => {
  // the old query with the incident's background: 904 ms at the median alone at 30,000 dates, 1,140 at the p95
  const spread = (ms: number, ratio: number): SoloTime =>
    soloFrom(
      [0.95, 0.97, 0.98, 1, 1, 1, 1.01, 1.02, 1.03, ratio].map((f) => ms * f),
      0,
      (ms * 11) / 1000,
    )!;
  const pts = SIZES.map((d) => point(d, d === 30000 ? 0 : oldQuery(d), spread(5 + 0.03 * d, d === 3000 ? 3 : 1.25)));
  const pr = projectVariant(pts, SLO)!;
  const v = pr.validation!;
  // one neighbour's burst at 3,000 dates (its p95 3x its median) does not move the median ratio
  assert.ok(Math.abs(pr.solo!.p95_ratio! - 1.25) < 0.002, `${pr.solo!.p95_ratio}`);
  assert.ok(v.solo_predicted_ms! < SLO && v.solo_predicted_p95_ms! > SLO, JSON.stringify(v));
  assert.deepEqual([v.predicted_by, v.predicted, v.error], ['solo-time', 0, 0]);
  // the same medians with a p95 alone only 1.05 times them: 950 ms, under the SLO, so the capacity curve decides
  const tight = SIZES.map((d) => point(d, d === 30000 ? 0 : oldQuery(d), spread(5 + 0.03 * d, 1.05)));
  const flat = projectVariant(tight, SLO)!;
  assert.ok(Math.abs(flat.solo!.p95_ratio! - 1.05) < 0.002, `${flat.solo!.p95_ratio}`);
  assert.equal(flat.validation!.predicted_by, 'capacity-curve');
});
