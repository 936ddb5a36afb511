// The metrics path from the VUs' thread to the main thread: what the engine's sinks ship in pieces, absorbed by
// another registry, gives the same summary figures as the samples added to one registry directly.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { Absorber } from '../../runner/engine/absorber.ts';
import type { Shipment } from '../../runner/engine/protocol.ts';
import { Shipper } from '../../runner/engine/shipper.ts';
import { TrendSink, aggregate, type Sink } from '../../runner/metrics/sinks.ts';
import { Runtime } from '../../runner/runtime.ts';
import type { TestRun } from '../../runner/test-run.ts';

const quiet = () => new Writable({ write: (_c, _e, cb) => cb() });

/** The same samples into `rt`: a seeded mix of requests, checks, a gauge and a custom counter. */
function play(rt: Runtime, from: number, to: number): void {
  const reg = rt.registry;
  const journeys = reg.metric('journeys', 'counter');
  for (let i = from; i < to; i++) {
    const name = i % 3 === 0 ? 'slow' : 'fast';
    const tags = reg.tagSetOf({ scenario: i % 2 ? 'a' : 'b', name, group: '' });
    // spread over 0.1 ms .. 2 s so the histogram's buckets matter once past 10,000 values
    reg.add(rt.metrics.http_req_duration, tags, ((i * 7919) % 20_000) / 10 + 0.1);
    reg.add(rt.metrics.http_reqs, tags, 1);
    reg.add(rt.metrics.http_req_failed, tags, i % 10 === 0 ? 1 : 0);
    if (i % 100 === 0) reg.add(rt.metrics.vus, tags, i % 7);
    if (i % 5 === 0) reg.add(journeys, tags, 0.5);
    const check = rt.groupNode('').checks.get('ok') ?? { name: 'ok', path: '::ok', id: 'x', passes: 0, fails: 0 };
    rt.groupNode('').checks.set('ok', check);
    if (i % 4 === 0) check.fails++;
    else check.passes++;
  }
  rt.group('::shop', 'shop', '');
}

function figures(rt: Runtime): Record<string, number | undefined> {
  const out: Record<string, number | undefined> = {};
  const stats: Record<string, string[]> = {
    counter: ['count'],
    gauge: ['value', 'min', 'max'],
    rate: ['rate', 'passes'],
    trend: ['avg', 'min', 'max', 'med', 'p(95)', 'p(99)', 'count'],
  };
  const read = (key: string, type: string, sink: Sink) => {
    for (const a of stats[type]) out[`${key} ${a}`] = aggregate(sink, a, 10);
  };
  for (const m of rt.registry.metrics.values()) {
    read(m.name, m.type, m.sink);
    for (const s of m.submetrics) read(s.key, m.type, s.sink);
  }
  return out;
}

test('shipped in pieces and absorbed, the samples give the figures of one registry fed directly', () => {
  const direct = new Runtime('s.js', quiet());
  const engine = new Runtime('s.js', quiet());
  const main = new Runtime('s.js', quiet());
  const absorber = new Absorber(main);
  const shipments: Shipment[] = [];
  const run = { rt: engine, runs: [], iterationErrors: 0, abortedBy: null, scriptAbortCode: 0, markedFailed: false };
  const shipped: Shipment[] = [];
  const shipper = new Shipper(
    run as unknown as TestRun,
    (s) => {
      shipments.push(s);
      shipped.push(s);
    },
    undefined,
  );
  try {
    const N = 25_000;
    for (let from = 0; from < N; from += 1_500) {
      const to = Math.min(N, from + 1_500);
      TrendSink.shipping = true;
      play(engine, from, to);
      shipper.ship();
      TrendSink.shipping = false;
      play(direct, from, to);
      for (const s of shipments.splice(0)) absorber.absorb(s);
    }
  } finally {
    TrendSink.shipping = false;
    shipper.stop();
  }
  for (const s of shipments) absorber.absorb(s);
  const want = figures(direct);
  const got = figures(main);
  assert.ok(Object.keys(want).length > 40, 'metrics, their automatic splits and every statistic are compared');
  for (const [k, v] of Object.entries(want)) {
    assert.ok(got[k] !== undefined, `${k} was shipped`);
    assert.ok(Math.abs(got[k]! - v!) <= Math.abs(v!) * 1e-9, `${k}: ${got[k]} shipped, ${v} direct`);
  }
  assert.ok((main.metrics.http_req_duration.sink as TrendSink).usesHistogram, 'the main thread keeps the histogram');
  assert.equal((engine.metrics.http_req_duration.sink as TrendSink).count, 0, "the engine's trends only buffer");
  const named = shipped.flatMap((s) => s.names.map((n) => n.id));
  assert.equal(new Set(named).size, named.length, 'each sink is named once, in the first shipment that carries it');
  assert.deepEqual(main.groupNode('').checks.get('ok'), direct.groupNode('').checks.get('ok'));
  assert.deepEqual(
    main.rootGroup.groups.map((g) => g.path),
    ['::shop'],
  );
});

test("a second thread's checks add to the first's (teardown on a new thread after a stopped one)", () => {
  const main = new Runtime('s.js', quiet());
  const shipment = (passes: number, fails: number): Shipment => ({
    t: 'metrics',
    names: [],
    sinks: [],
    groups: [{ path: '', name: '', parent: '', checks: [{ name: 'ok', path: '::ok', id: 'x', passes, fails }] }],
    points: null,
    scenarios: [],
    iterationErrors: 0,
    abortedBy: null,
    scriptAbortCode: 0,
    markedFailed: false,
  });
  // each thread ships its own running totals: a later shipment of the same thread replaces its earlier one
  const first = new Absorber(main);
  first.absorb(shipment(2, 1));
  first.absorb(shipment(3, 1));
  const second = new Absorber(main);
  second.absorb(shipment(1, 0));
  second.absorb(shipment(2, 1));
  const ok = main.groupNode('').checks.get('ok');
  assert.deepEqual([ok?.passes, ok?.fails], [5, 2]);
});
