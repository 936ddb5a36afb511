// report.html in headless Chromium: every chart draws, without errors or network, and shows what series.json
// holds: each named series drawn across the whole load window, with series.json's maximum, on the phases' x range.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { writeFile } from 'node:fs/promises';
import { writeReport } from '../harness/incident/report/render.ts';
import type { ReportInput } from '../harness/incident/types.ts';
import { renderCapacityHtml } from '../harness/capacity/render.ts';
import type { CapacityPoint, CapacityResult } from '../harness/capacity/types.ts';
import { reportFixture } from './report-fixture.ts';
import { chromiumMissing, inPage, withBrowser } from './helpers/browser.ts';
import {
  capacityExpectations,
  checkCharts,
  incidentExpectations,
  phaseWindow,
  readPlotted,
} from './helpers/chart-readback.ts';

async function openReport(browser: Browser, input: ReportInput) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'loadlab-report-browser-'));
  try {
    await writeReport(dir, input);
    return await inPage(browser, path.join(dir, 'report.html'), async (page) => ({
      ...((await page.evaluate(`({
        drawn: window.__chartsDrawn ?? -1,
        expected: window.__chartsExpected ?? -1,
        canvases: [...document.querySelectorAll('[data-chart]')].map((el) => [...el.querySelectorAll('canvas')].map((c) => ({ w: c.width, h: c.height }))),
      })`)) as { drawn: number; expected: number; canvases: { w: number; h: number }[][] }),
      plotted: await readPlotted(page),
    }));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('report.html draws every chart in headless Chromium, and each shows its series across the load', async (t) => {
  if (chromiumMissing) return t.skip(chromiumMissing);
  await withBrowser(t, async (browser) => {
    const cases: [string, ReportInput, number][] = [
      ['both variants', reportFixture(), 4],
      ['only before, no OS counters', reportFixture({ variants: ['before'], fullDbStats: false }), 3],
      ['only after', reportFixture({ variants: ['after'] }), 4],
      ['no series at all', { ...reportFixture(), series: {} }, 0],
    ];
    const nulls = reportFixture();
    for (const p of nulls.series.after!.load) p.product_list_p95_ms = null;
    nulls.series.before!.db = [];
    cases.push(['null and empty series', nulls, 4]);

    for (const [name, input, charts] of cases) {
      await t.test(name, async () => {
        const r = await openReport(browser, input);
        assert.deepEqual(r.pageErrors, []);
        assert.deepEqual(r.consoleErrors, []);
        assert.deepEqual(r.foreignRequests, []);
        assert.equal(r.expected, charts);
        assert.equal(r.drawn, charts);
        assert.equal(r.plotted.length, charts);
        assert.ok(
          r.canvases.every((c) => c.length > 0 && c.every((v) => v.w > 0 && v.h > 0)),
          'every chart has a canvas with a size',
        );
        if (charts === 0) return;
        const problems = checkCharts(r.plotted, incidentExpectations(input.series), {
          window: phaseWindow(input.series),
          xRange: 'exact',
          bins: 10,
        });
        assert.deepEqual(problems, []);
      });
    }
  });
});

function capacityPoint(
  variant: CapacityPoint['variant'],
  dates: number,
  capacity: number,
  firstFailing: number | null,
): CapacityPoint {
  return {
    variant,
    dates,
    capacity_visitors_per_min: capacity,
    first_failing_visitors_per_min: firstFailing,
    steps: [
      { visitors_per_min: capacity, product_list_p95_ms: 420, error_rate: 0, dropped_iterations: 0, passed: true },
    ],
  };
}

/** a sweep like the default one: the old query loses capacity with every size, the fix keeps it */
function capacityFixture(): CapacityResult {
  return {
    schema: 'loadlab.capacity/v1',
    run_id: 'capacity-fixture',
    started_at: '2026-11-28T10:00:00.000Z',
    finished_at: '2026-11-28T11:02:00.000Z',
    slo: { product_list_p95_ms: 1000, max_error_rate: 0.01 },
    step_duration_s: 15,
    machine: { cpus: 2, node: 'v20.20.2', postgres: '18.4', os: 'Linux 6.1', database: 'embedded' },
    points: [
      capacityPoint('before', 1000, 1480, 1850),
      capacityPoint('before', 3000, 520, 640),
      capacityPoint('before', 10000, 150, 190),
      capacityPoint('before', 30000, 48, 60),
      capacityPoint('after', 1000, 2900, null),
      capacityPoint('after', 3000, 2850, 3500),
      capacityPoint('after', 10000, 2800, 3400),
      capacityPoint('after', 30000, 2700, 3300),
    ],
  };
}

test('capacity.html draws both variants at every measured size on log axes, self-contained', async (t) => {
  if (chromiumMissing) return t.skip(chromiumMissing);
  await withBrowser(t, async (browser) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'loadlab-capacity-browser-'));
    try {
      const r = capacityFixture();
      await writeFile(path.join(dir, 'capacity.html'), renderCapacityHtml(r));
      const page = await inPage(browser, path.join(dir, 'capacity.html'), async (p) => ({
        plotted: await readPlotted(p),
      }));
      assert.deepEqual([page.pageErrors, page.consoleErrors, page.foreignRequests], [[], [], []]);
      const dates = r.points.map((p) => p.dates);
      assert.deepEqual(
        checkCharts(page.plotted, capacityExpectations(r), {
          window: [Math.min(...dates), Math.max(...dates)],
          xRange: 'contains',
          bins: 0,
        }),
        [],
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
