import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, existsSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ownDataDir } from './helpers/db.ts';
import { runCli } from './helpers/processes.ts';
import type { CapacityResult } from '../harness/capacity/types.ts';
import { inPage, withBrowser } from './helpers/browser.ts';
import { capacityExpectations, checkCharts, readPlotted } from './helpers/chart-readback.ts';
import { sharedTimeout } from './helpers/timeouts.ts';

const testDataDir = ownDataDir(import.meta.url);

const env = { LOADLAB_PGDATA: testDataDir };

test('load:capacity --quick on two date counts writes its files, and the old query loses capacity as dates grow', {
  timeout: sharedTimeout(300_000),
}, async (t) => {
  // a folder of the test's own, never reports/capacity (where it would move reports/capacity/latest)
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'loadlab-capacity-test-'));
  t.after(() => rmSync(tmp, { recursive: true, force: true }));
  const out = path.join(tmp, 'run');
  const r = await runCli(
    'load:capacity',
    ['--quick', '--dates', '300,3000', '--variants', 'before', '--step-s', '4', '--out', out],
    env,
  );
  assert.equal(r.code, 0, r.stderr.slice(-1500));
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
  }
  const before = (d: number) =>
    c.points.find((p) => p.variant === 'before' && p.dates === d)!.capacity_visitors_per_min;
  assert.ok(before(3000) < before(300), `before: ${before(300)} visitors/min at 300 dates, ${before(3000)} at 3000`);
  const html = readFileSync(path.join(out, 'capacity.html'), 'utf8');
  assert.doesNotMatch(
    html,
    /<(script|link|img)[^>]+(src|href)=/i,
    'self-contained: uPlot is inlined, nothing is fetched',
  );
  // what the chart plotted, read back in the browser: every variant at every size, with capacity.json's figures
  await withBrowser(t, async (browser) => {
    const page = await inPage(browser, path.join(out, 'capacity.html'), async (p) => ({
      plotted: await readPlotted(p),
    }));
    assert.deepEqual([page.pageErrors, page.consoleErrors, page.foreignRequests], [[], [], []]);
    assert.deepEqual(
      checkCharts(page.plotted, capacityExpectations(c), { window: [300, 3000], xRange: 'contains', bins: 0 }),
      [],
    );
  });
  assert.match(
    readFileSync(path.join(out, 'capacity.md'), 'utf8'),
    /With the old query, a shop with 3,000 dates sustains/,
  );
});

test('load:capacity rejects bad input with one line', async () => {
  for (const [args, expected] of [
    [['--slo-p95-ms', '0'], /--slo-p95-ms '0'/],
    [['--dates', ''], /--dates '' is not a list/],
    [['--dates', '1000,lots'], /--dates '1000,lots'/],
    [['--variants', 'middle'], /unknown variant 'middle'/],
  ] as const) {
    const r = await runCli('load:capacity', [...args], env);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, expected);
  }
});
