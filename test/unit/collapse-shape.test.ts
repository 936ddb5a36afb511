// The post-mortem's shape as one rule, and the overload measured on a phase's own requests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { judgeShape, SHAPE_BAND } from '../../harness/load/collapse-shape.ts';
import { phaseOverload } from '../../harness/load/overload.ts';
import type { RequestPoint } from '../../harness/load/k6-points.ts';

test('a tripled phase in the band with a long mean reproduces the shape, its figures as the reason', () => {
  const v = judgeShape({ failed: 0.34, mean_ms: 8600, overload: 2.31 }, 0);
  assert.equal(v.reproduced, true);
  assert.equal(v.reason, 'overload 2.31x, 34.0 % failed, mean 8.6 s');
});

test('each miss is named: served, too few, too many, a short mean, a fix that failed too', () => {
  const served = judgeShape({ failed: 0, mean_ms: 1200, overload: 0.61 }, 0);
  assert.equal(served.reproduced, false);
  assert.match(
    served.reason,
    /^not reproduced: the machine served the tripled load, overload 0.61x, 0 % failed, mean 1.2 s; rerun, or pass --baseline-rate$/,
  );
  assert.match(
    judgeShape({ failed: 0.12, mean_ms: 9000, overload: 1.4 }).reason,
    /too few page loads failed \(under 20.0 %\)/,
  );
  // overloaded, yet too weakly (a default run at 58 %): not "served", and the advice says which way to go
  assert.equal(
    judgeShape({ failed: 0.189, mean_ms: 7900, overload: 1.3 }).reason,
    'not reproduced: too few page loads failed (under 20.0 %), the mean stayed under 8.0 s; overload 1.30x, 18.9 % failed, mean 7.9 s; rerun, or pass a higher --baseline-rate',
  );
  assert.match(
    judgeShape({ failed: 0.72, mean_ms: 9400, overload: 5 }).reason,
    /too many page loads failed \(over 45.0 %\)/,
  );
  assert.match(judgeShape({ failed: 0.35, mean_ms: 7600, overload: 3 }).reason, /the mean stayed under 8.0 s/);
  const fix = judgeShape({ failed: 0.35, mean_ms: 8700, overload: 3 }, 0.02);
  assert.equal(fix.reproduced, false);
  assert.match(fix.reason, /the fix also failed 2.0 % at the same visitors/);
  // the band's edges: a mean of exactly 8 s is not past it
  assert.equal(
    judgeShape({ failed: SHAPE_BAND.minFailed, mean_ms: SHAPE_BAND.minMeanMs + 1, overload: null }).reproduced,
    true,
  );
  assert.equal(judgeShape({ failed: 0.3, mean_ms: SHAPE_BAND.minMeanMs, overload: null }).reproduced, false);
  assert.match(
    judgeShape({ failed: null, mean_ms: null, overload: null }).reason,
    /served the tripled load, overload unknown, n\/a failed/,
  );
});

/** product lists sent at `sent` ms, answered `duration` ms later */
const pl = (sent: number, duration: number, failed: boolean): RequestPoint => ({
  ms: sent + duration,
  duration,
  failed,
  scenario: 'tripled',
  name: 'product-list',
  status: failed ? 0 : 200,
});

test('a saturated phase is set against the product lists it answered; an unsaturated one against the calibration', () => {
  // 10 s: 40 product lists sent (4/s), 30 failed, 10 answered within the window -> capacity 1/s, overload 4x
  const reqs: RequestPoint[] = [];
  for (let i = 0; i < 40; i++) reqs.push(pl(i * 250, i % 4 === 0 ? 500 : 10_000, i % 4 !== 0));
  reqs.push({ ...pl(1000, 5, false), name: 'calendar' });
  const o = phaseOverload(reqs, 0, 10_000, 3);
  assert.deepEqual(o, { overload: 4, capacity_rps: 1, capacity_from: 'phase', arrivals_rps: 4 });
  // nothing failed: the shop kept up, so its completions say nothing of its capacity
  const calm = Array.from({ length: 20 }, (_, i) => pl(i * 500, 300, false));
  assert.deepEqual(phaseOverload(calm, 0, 10_000, 4), {
    overload: 0.5,
    capacity_rps: 4,
    capacity_from: 'calibration',
    arrivals_rps: 2,
  });
  assert.deepEqual(phaseOverload(calm, 0, 10_000, null), {
    overload: null,
    capacity_rps: null,
    capacity_from: null,
    arrivals_rps: 2,
  });
});
