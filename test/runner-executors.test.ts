// The executors against a fake host (as k6 tests its executors with a minirunner): VUs whose iteration is a
// plain function, no script, no sockets. Counts and stops are what is checked; timing bounds are loose.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { ExecutorHost, ScenarioRun } from '../runner/executors/base.ts';
import { DEFAULT_EXPECTED } from '../runner/http/expected.ts';
import { Runtime, VU } from '../runner/runtime.ts';
import { scenarioPlan } from '../runner/scenarios.ts';
import { devNull } from './runner-server.ts';

type Iteration = (vu: VU) => unknown;

/** A host whose VUs all run `iteration`; `errors` collects what iterations threw. */
function fakeHost(iteration: Iteration): ExecutorHost & { errors: unknown[] } {
  const rt = new Runtime('fake.js', devNull());
  const errors: unknown[] = [];
  return {
    rt,
    errors,
    newVU(scenario) {
      const vu = new VU(rt, rt.nextVuId++, scenario, DEFAULT_EXPECTED);
      vu.instance = { exports: { default: () => iteration(vu) }, setIter() {} };
      return vu;
    },
    setupData: () => undefined,
    iterationError: (err) => errors.push(err),
  };
}

function start(
  raw: Record<string, unknown>,
  iteration: Iteration,
): { run: ScenarioRun; host: ReturnType<typeof fakeHost> } {
  const host = fakeHost(iteration);
  const run = scenarioPlan('s', raw, { default: () => {} }).start(host);
  return { run, host };
}

/** Runs the scenario; fails the test instead of hanging when it does not end within `limitMs`. */
async function ended(run: ScenarioRun, limitMs: number): Promise<number> {
  const t0 = performance.now();
  const ac = new AbortController();
  const timeout = delay(limitMs, 'timeout', { signal: ac.signal }).catch(() => 'cancelled');
  const outcome = await Promise.race([run.run().then(() => 'ended'), timeout]);
  ac.abort();
  assert.equal(outcome, 'ended', `the scenario did not end within ${limitMs} ms`);
  return performance.now() - t0;
}

test('shared-iterations: exactly the iterations asked for, shared by the VUs', async () => {
  const { run } = start({ executor: 'shared-iterations', vus: 5, iterations: 100 }, () => delay(1));
  await ended(run, 10_000);
  assert.deepEqual([run.completed, run.interrupted, run.vus.length], [100, 0, 5]);
});

test('per-vu-iterations: each VU runs its own count', async () => {
  const perVu = new Map<number, number>();
  const { run } = start({ executor: 'per-vu-iterations', vus: 4, iterations: 7 }, (vu) => {
    perVu.set(vu.id, (perVu.get(vu.id) ?? 0) + 1);
  });
  await ended(run, 10_000);
  assert.equal(run.completed, 28);
  assert.deepEqual([...perVu.values()], [7, 7, 7, 7]);
});

test('constant-vus: every VU loops until the duration, then the run ends', async () => {
  const { run } = start({ executor: 'constant-vus', vus: 3, duration: '300ms' }, () => delay(10));
  const ms = await ended(run, 5_000);
  assert.ok(ms >= 290, `ended after ${ms} ms`);
  assert.equal(run.vus.length, 3);
  assert.ok(run.completed >= 3 && run.completed <= 3 * 31, `${run.completed} iterations`);
});

test('ramping-vus under abort (abortOnFail, a signal): the run ends at once, also with VUs ramped down', async () => {
  // 1 of 4 VUs at the start: the other three wait their turn when the abort comes
  const { run } = start(
    { executor: 'ramping-vus', startVUs: 1, stages: [{ duration: '10s', target: 4 }], gracefulStop: '5s' },
    () => delay(20),
  );
  const done = ended(run, 3_000);
  await delay(200);
  const abortedAt = performance.now();
  run.abort();
  await done;
  const took = performance.now() - abortedAt;
  assert.ok(took < 500, `ended ${took} ms after the abort`);
  assert.ok(run.completed > 0);
});

test('each executor ends on abort, within a fraction of a second', async () => {
  const shapes: Record<string, unknown>[] = [
    { executor: 'constant-vus', vus: 2, duration: '30s' },
    { executor: 'shared-iterations', vus: 2, iterations: 1_000_000, maxDuration: '30s' },
    { executor: 'per-vu-iterations', vus: 2, iterations: 1_000_000, maxDuration: '30s' },
    { executor: 'ramping-vus', stages: [{ duration: '30s', target: 3 }] },
    { executor: 'constant-arrival-rate', rate: 50, duration: '30s', preAllocatedVUs: 2 },
    { executor: 'ramping-arrival-rate', preAllocatedVUs: 2, stages: [{ duration: '30s', target: 50 }] },
  ];
  for (const raw of shapes) {
    const { run } = start(raw, () => delay(10));
    const done = ended(run, 3_000);
    await delay(100);
    const abortedAt = performance.now();
    run.abort();
    await done;
    const took = performance.now() - abortedAt;
    assert.ok(took < 500, `${raw.executor} ended ${took} ms after the abort`);
  }
});

test('constant-arrival-rate with every VU stalled: arrivals keep their schedule, the ones with no free VU are dropped', async () => {
  // 200/s for 2 s with 20 VUs; iterations started in the first second hang until 1.5 s
  let t0 = 0;
  const { run } = start(
    { executor: 'constant-arrival-rate', rate: 200, duration: '2s', preAllocatedVUs: 20, gracefulStop: '1s' },
    () => {
      const t = performance.now() - t0;
      return t < 1000 ? delay(1500 - t) : undefined;
    },
  );
  t0 = performance.now();
  const ms = await ended(run, 5_000);
  assert.equal(run.scheduled, 400);
  assert.equal(run.completed + run.interrupted + run.dropped, 400, 'every arrival started or was dropped');
  // 20 VUs take the first 20 arrivals and are busy until 1.5 s: about 280 of the arrivals up to then find none
  assert.ok(run.dropped >= 250 && run.dropped <= 300, `dropped ${run.dropped}`);
  assert.equal(run.interrupted, 0);
  assert.ok(ms < 2_600, `ended ${ms} ms after start: all work was done at 2 s`);
});
