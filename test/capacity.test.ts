import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, existsSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ownDataDir } from './helpers/db.ts';
import { runCli } from './helpers/processes.ts';
import type { CapacityResult } from '../harness/capacity/types.ts';
import { inPage, withBrowser } from './helpers/browser.ts';
import {
  capacityExpectations,
  checkCharts,
  readPlotted,
  type ExpectedSeries,
  type PlottedChart,
} from './helpers/chart-readback.ts';
import { sharedTimeout } from './helpers/timeouts.ts';

const testDataDir = ownDataDir(import.meta.url);

const env = { LOADLAB_PGDATA: testDataDir };

/**
 * What review.html must draw, from capacity.json and the traffic the command printed: the medians, the power law
 * from the file's own parameters at the x values the chart has, and flat traffic lines at 1x and 3x.
 */
function reviewExpectations(c: CapacityResult, traffic: number, chart: PlottedChart | undefined): ExpectedSeries[] {
  const xs = (label: string) => {
    const s = chart?.series.find((x) => x.label === label);
    return chart && s ? chart.x.filter((_, i) => typeof s.y[i] === 'number') : [];
  };
  const pts = c.points.filter((p) => p.variant === 'before').sort((a, b) => a.dates - b.dates);
  const pr = c.variants!.find((v) => v.variant === 'before')!.projection!;
  return [
    {
      chart: 'review-chart',
      label: 'before measured',
      points: pts.map((p) => ({ x: p.dates, y: p.capacity_visitors_per_min })),
    },
    {
      chart: 'review-chart',
      label: 'before projected',
      points: xs('before projected').map((x) => ({
        x,
        y: Math.round(pr.parameters.a! * x ** pr.parameters.b! * 10) / 10,
      })),
    },
    ...(
      [
        ['traffic today', traffic],
        ['traffic 3x today', traffic * 3],
      ] as const
    ).map(([label, t]) => ({
      chart: 'review-chart',
      label,
      points: xs(label).map((x) => ({ x, y: t })),
    })),
  ];
}

test('load:capacity --quick on two date counts writes its files, and the old query loses capacity as dates grow', {
  timeout: sharedTimeout(300_000),
}, async (t) => {
  // a folder of the test's own, never reports/capacity (where it would move reports/capacity/latest)
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'loadlab-capacity-test-'));
  t.after(() => rmSync(tmp, { recursive: true, force: true }));
  const out = path.join(tmp, 'run');
  const r = await runCli(
    'load:capacity',
    // one search per point to a loose precision (the median and range of several are unit-tested in
    // capacity-repeats): each search takes about a minute, as an overloaded step drains its queue
    [
      '--quick',
      '--dates',
      '300,3000',
      '--variants',
      'before',
      '--step-s',
      '4',
      '--repeats',
      '1',
      '--precision',
      '0.5',
      '--out',
      out,
    ],
    env,
  );
  assert.equal(r.code, 0, r.stderr.slice(-1500));
  assert.match(
    r.stdout,
    new RegExp(
      `written: ${out}/capacity\\.md \\(outside reports/capacity/, so reports/capacity/latest was left as it was\\)`,
    ),
  );
  for (const f of ['capacity.json', 'capacity.md', 'capacity.html']) assert.ok(existsSync(path.join(out, f)), f);
  assert.ok(!existsSync(path.join(out, 'INCOMPLETE')));
  assert.deepEqual(
    readdirSync(out).sort(),
    ['capacity.html', 'capacity.json', 'capacity.md'],
    'only the three files are left',
  );
  const c = JSON.parse(readFileSync(path.join(out, 'capacity.json'), 'utf8')) as CapacityResult;
  assert.equal(c.schema, 'loadlab.capacity/v1');
  assert.equal(c.points.length, 2, 'one variant (the old query, whose loss is asserted) x two date counts');
  for (const p of c.points) {
    assert.ok(p.capacity_visitors_per_min > 0, `${p.variant} @ ${p.dates}: a capacity was found`);
    assert.ok(p.steps.length > 0 && p.steps.some((s) => s.passed));
    assert.equal(p.repeats?.length, 1, 'one search');
    const cap = p.repeats![0].capacity_visitors_per_min;
    assert.deepEqual([p.median, p.range], [cap, [cap, cap]], 'the median and range of one search are its figure');
    assert.equal(p.capacity_visitors_per_min, p.median, 'capacity_visitors_per_min stays the median');
    // every step was measured from /proc and the database: the limit is named with figures a reader can check
    for (const s of p.steps)
      assert.ok(s.usage && s.usage.seconds > 0 && s.usage.db_cpu_cores !== null, JSON.stringify(s));
    assert.ok(p.bottleneck, `${p.dates}: a limit named`);
    assert.ok(['database', 'shop-cpu', 'runner-cpu', 'machine-cpu', 'disk'].includes(p.bottleneck!.kind));
    const f = p.bottleneck!.figures;
    assert.ok(f.machine_cpu_busy! > 0 && f.shop_cpu_cores !== null && f.runner_cpu_cores !== null, JSON.stringify(f));
  }
  // one product list alone before each search: bounded, timed inside the probe's wall time, and under the SLO
  // wherever a rate met it (a request under load only takes longer). Between 300 and 3,000 dates the old query's
  // solo time is mostly fixed costs (25.2 ms at 300 and 32.3 ms at 3,000 in one run; 33.8 ms at 1,000 and 30.5 ms
  // at 3,000 in a sweep): no growth is asserted here.
  for (const p of c.points) {
    const s = p.solo!;
    assert.ok(s && s.requests >= 3 && s.requests <= 10 && s.failed === 0, `${p.dates}: ${JSON.stringify(s)}`);
    assert.equal(s.durations_ms.length, s.requests);
    const timed = s.durations_ms.reduce((a, b) => a + b, 0);
    assert.ok(
      s.p50_ms > 0 && s.p50_ms <= s.p95_ms && timed <= s.seconds * 1000 + 1 && s.seconds <= 25,
      JSON.stringify(s),
    );
    assert.ok(s.p50_ms < c.slo.product_list_p95_ms, `${p.dates}: alone ${s.p50_ms} ms, yet a rate met the SLO`);
  }
  // the query alone on the idle database, before each search: its hungriest plan node against work_mem, three
  // EXPLAIN ANALYZE runs (the spill projection built on these is unit-tested in capacity-spill)
  for (const p of c.points) {
    const m = p.plan_memory!;
    assert.ok(m, `${p.dates}: the query alone was measured`);
    const w = m.at_work_mem;
    assert.ok(w.work_mem_kb >= 64 && w.runs_ms.length === 3 && w.execution_ms > 0, JSON.stringify(m));
    assert.ok(w.node !== null && w.memory_kb! > 0 && w.execution_ms < c.slo.product_list_p95_ms, JSON.stringify(m));
    if (m.lowered)
      assert.ok(m.lowered.work_mem_kb < w.work_mem_kb && m.lowered.runs_ms.length === 3, JSON.stringify(m));
  }
  const [m300, m3000] = c.points.map((p) => p.plan_memory!.at_work_mem);
  if (m300.node === m3000.node)
    assert.ok(m3000.memory_kb! >= m300.memory_kb!, `${m300.memory_kb} -> ${m3000.memory_kb} kB`);
  const models = c.variants!.find((v) => v.variant === 'before')!;
  assert.equal(models.projection!.model, 'power-law', 'two sizes: no choice of curve');
  assert.ok(
    models.projection!.solo && 'spill' in models.projection!.solo,
    'the solo projection says whether it spills',
  );
  assert.equal(models.usl!.levels.length, 6, 'six concurrency levels at the smallest size');
  assert.ok(models.usl!.levels.every((l) => l.throughput_rps > 0));
  const html = readFileSync(path.join(out, 'capacity.html'), 'utf8');
  assert.doesNotMatch(
    html,
    /<(script|link|img)[^>]+(src|href)=/i,
    'self-contained: uPlot is inlined, nothing is fetched',
  );
  // the review of this run folder: no second sweep, the traffic given, the same figures
  const review = await runCli('capacity:review', ['--from', out, '--traffic', '300'], env);
  assert.equal(review.code, 0, review.stderr.slice(-1500));
  assert.match(review.stdout, /today's traffic: 300 visitors\/min; written: .*review\.md/);
  const md = readFileSync(path.join(out, 'review.md'), 'utf8');
  const at3000 = c.points.find((p) => p.dates === 3000)!;
  assert.ok(
    md.includes(`${(at3000.capacity_visitors_per_min / 300).toFixed(2)}x today's traffic (300)`),
    md.slice(0, 800),
  );
  assert.ok(md.includes(`limited by ${at3000.bottleneck!.kind}`));
  assert.match(md, /a validation needs three/, 'two sizes: the projection says it is not validated');
  // what the charts plotted, read back in the browser: every variant at every size, with capacity.json's figures
  await withBrowser(t, async (browser) => {
    const page = await inPage(browser, path.join(out, 'capacity.html'), async (p) => ({
      plotted: await readPlotted(p),
    }));
    assert.deepEqual([page.pageErrors, page.consoleErrors, page.foreignRequests], [[], [], []]);
    assert.deepEqual(
      checkCharts(page.plotted, capacityExpectations(c), { window: [300, 3000], xRange: 'contains', bins: 0 }),
      [],
    );
    const rv = await inPage(browser, path.join(out, 'review.html'), async (p) => ({ plotted: await readPlotted(p) }));
    assert.deepEqual([rv.pageErrors, rv.consoleErrors, rv.foreignRequests], [[], [], []]);
    const expected = reviewExpectations(
      c,
      300,
      rv.plotted.find((x) => x.id === 'review-chart'),
    );
    assert.ok(
      expected.every((e) => e.points.length > 0),
      JSON.stringify(expected),
    );
    assert.deepEqual(checkCharts(rv.plotted, expected, { window: [300, 3000], xRange: 'contains', bins: 0 }), []);
  });
  assert.match(
    readFileSync(path.join(out, 'capacity.md'), 'utf8'),
    /With the old query, a shop with 3,000 dates sustains/,
  );
  // last: on a machine whose cores others keep busy, every size is limited by the machine and the loss can hide
  assert.ok(
    models.projection!.parameters.b! < 0,
    `the old query's capacity falls with dates: ${models.projection!.parameters.b}`,
  );
  const before = (d: number) =>
    c.points.find((p) => p.variant === 'before' && p.dates === d)!.capacity_visitors_per_min;
  assert.ok(before(3000) < before(300), `before: ${before(300)} visitors/min at 300 dates, ${before(3000)} at 3000`);
});

test('load:capacity rejects bad input with one line', async () => {
  for (const [args, expected] of [
    [['--slo-p95-ms', '0'], /--slo-p95-ms '0'/],
    [['--dates', ''], /--dates '' is not a list/],
    [['--dates', '1000,lots'], /--dates '1000,lots'/],
    [['--variants', 'middle'], /unknown variant 'middle'/],
    [['--repeats', '0'], /--repeats 0 is out of range \(accepted: 1 to 20\)/],
    [['--precision', '2'], /--precision '2'.*0\.01 to 0\.5/],
  ] as const) {
    const r = await runCli('load:capacity', [...args], env);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, expected);
  }
});

test('capacity:review rejects bad input with one line', async () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'loadlab-review-bad-'));
  try {
    for (const [args, expected] of [
      [['--traffic', 'lots'], /--traffic 'lots'.*visitors per minute/],
      [
        ['--from', path.join(tmp, 'nowhere')],
        /--from '.*nowhere' is not a folder \(accepted: a load:capacity run folder/,
      ],
      [['--from', tmp], /capacity\.json/],
      [['--from', tmp, '--dates', '300'], /--dates runs a sweep, --from reviews one already run/],
    ] as const) {
      const r = await runCli('capacity:review', [...args], env);
      assert.equal(r.code, 1, r.stderr);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.match(r.stderr, expected);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
