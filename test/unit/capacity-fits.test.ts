// The review's fits on curves whose parameters are known: what they recover is what a sweep's figures will get.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  fitLinearCost,
  fitPowerLaw,
  fitUsl,
  linearCostAt,
  linearCostSolve,
  nelderMead,
  powerLawAt,
  powerLawSolve,
  uslAt,
} from '../../harness/capacity/fits.ts';

const close = (actual: number, expected: number, tol: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual}, expected ${expected} +- ${tol}`);

test('power law: an exact curve is recovered, and solving it gives back the x', () => {
  const xs = [1000, 3000, 10000, 30000];
  const p = fitPowerLaw(
    xs,
    xs.map((x) => 2e6 * x ** -0.8),
  )!;
  close(p.b, -0.8, 1e-9, 'exponent');
  close(p.a, 2e6, 1e-3, 'factor');
  close(p.r2!, 1, 1e-12, 'R²');
  close(powerLawSolve(p, powerLawAt(p, 20000))!, 20000, 1e-6, 'solved x');
});

test('power law: multiplicative noise of +-10 % moves the exponent by little; too few points is no fit', () => {
  const xs = [1000, 3000, 10000, 30000];
  const noise = [1.1, 0.9, 1.08, 0.93];
  const p = fitPowerLaw(
    xs,
    xs.map((x, i) => 5e5 * x ** -0.6 * noise[i]),
  )!;
  close(p.b, -0.6, 0.06, 'exponent under noise');
  assert.ok(p.r2! > 0.95 && p.r2! < 1, `R² ${p.r2}`);
  assert.equal(fitPowerLaw([1000], [50]), null, 'one point');
  assert.equal(fitPowerLaw([1000, 1000], [50, 60]), null, 'one distinct size');
  assert.equal(fitPowerLaw([1000, 3000], [50, 0]), null, 'a zero capacity has no logarithm: one point left');
  assert.equal(fitPowerLaw([1000, 3000], [50, 30])!.r2, null, 'two points fit exactly: no R²');
});

test('Nelder-Mead finds the minimum of a shifted quadratic bowl', () => {
  const x = nelderMead((v) => (v[0] - 3) ** 2 + 10 * (v[1] + 2) ** 2, [0, 0], [1, 1]);
  close(x[0], 3, 1e-4, 'x');
  close(x[1], -2, 1e-4, 'y');
});

test('USL: sigma, kappa and the peak of a known curve are recovered from six levels', () => {
  const truth = { lambda: 40, sigma: 0.08, kappa: 0.002 };
  const levels = [1, 2, 4, 8, 16, 32, 64];
  const f = fitUsl(levels.map((n) => ({ concurrency: n, throughput: uslAt(truth, n) })))!;
  close(f.lambda, 40, 0.01, 'lambda');
  close(f.sigma, 0.08, 1e-4, 'sigma');
  close(f.kappa, 0.002, 1e-5, 'kappa');
  const peak = Math.sqrt((1 - 0.08) / 0.002);
  close(f.peak_concurrency!, peak, 0.1, 'peak concurrency');
  close(f.peak_throughput!, uslAt(truth, peak), 0.01, 'peak throughput');
  assert.ok(f.rms_relative_error < 1e-4);
});

test('USL: noisy levels still give the peak within 15 %; a curve that only levels off has its peak far beyond the levels', () => {
  const truth = { lambda: 25, sigma: 0.2, kappa: 0.01 };
  const noise = [1.03, 0.97, 1.02, 0.98, 1.04, 0.96];
  const f = fitUsl([1, 2, 4, 8, 16, 32].map((n, i) => ({ concurrency: n, throughput: uslAt(truth, n) * noise[i] })))!;
  const peak = Math.sqrt(0.8 / 0.01);
  assert.ok(Math.abs(f.peak_concurrency! - peak) / peak < 0.15, `peak ${f.peak_concurrency} vs ${peak}`);
  const flat = fitUsl(
    [1, 2, 4, 8, 16, 32].map((n) => ({ concurrency: n, throughput: uslAt({ lambda: 10, sigma: 0.3, kappa: 0 }, n) })),
  )!;
  close(flat.sigma, 0.3, 1e-3, 'sigma of a pure contention curve');
  assert.ok(flat.kappa < 1e-6, `kappa ${flat.kappa}`);
  assert.ok(flat.peak_concurrency === null || flat.peak_concurrency > 320, `peak ${flat.peak_concurrency}`);
  assert.equal(
    fitUsl([
      { concurrency: 1, throughput: 5 },
      { concurrency: 2, throughput: 9 },
    ]),
    null,
    'two levels',
  );
});

test('fixed cost plus a cost per date: an exact curve is recovered; a flat one has no cost per date', () => {
  const xs = [1000, 3000, 10000, 30000];
  const p = fitLinearCost(
    xs,
    xs.map((x) => 1 / (2e-4 + 3e-7 * x)),
  )!;
  close(p.s0, 2e-4, 1e-12, 's0');
  close(p.s1, 3e-7, 1e-15, 's1');
  close(linearCostSolve(p, linearCostAt(p, 20000))!, 20000, 1e-6, 'solved x');
  const flat = fitLinearCost(xs, [1500, 1500, 1500, 1500])!;
  close(flat.s1, 0, 1e-15, 'no cost per date');
  assert.equal(linearCostSolve(flat, 1000), null, 'a flat capacity never falls to the traffic');
});
