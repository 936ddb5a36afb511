import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { writeReport } from '../harness/report/write.ts';
import type { ReportInput } from '../harness/incident/types.ts';
import { reportFixture } from './report-fixture.ts';

const CHROMIUM = '/usr/bin/chromium';

interface PageCheck {
  drawn: number;
  expected: number;
  charts: { id: string; drawn: string | null; canvases: { w: number; h: number }[] }[];
  consoleErrors: string[];
  pageErrors: string[];
  foreignRequests: string[];
}

/** Opens report.html from disk, refuses any request other than the file itself, and reads the chart markers. */
async function openReport(browser: Browser, input: ReportInput): Promise<PageCheck> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'loadlab-report-browser-'));
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  try {
    await writeReport(dir, input);
    const url = pathToFileURL(path.join(dir, 'report.html')).href;
    const page = await context.newPage();
    const consoleErrors: string[] = [];
    const pageErrors: string[] = [];
    const foreignRequests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await context.route('**/*', (route) => {
      if (route.request().url() === url) return route.continue();
      foreignRequests.push(route.request().url());
      return route.abort();
    });
    await page.goto(url, { waitUntil: 'load' });
    // page code as strings: the project compiles without the DOM lib, and these run in the browser anyway
    await page
      .waitForFunction('window.__chartsExpected !== undefined && window.__chartsDrawn === window.__chartsExpected', null, { timeout: 5000 })
      .catch(() => undefined); // the assertions below say what did not draw
    const state = (await page.evaluate(`({
      drawn: window.__chartsDrawn ?? -1,
      expected: window.__chartsExpected ?? -1,
      charts: [...document.querySelectorAll('[data-chart]')].map((el) => ({
        id: el.id,
        drawn: el.getAttribute('data-drawn'),
        canvases: [...el.querySelectorAll('canvas')].map((c) => ({ w: c.width, h: c.height })),
      })),
    })`)) as Pick<PageCheck, 'drawn' | 'expected' | 'charts'>;
    return { ...state, consoleErrors, pageErrors, foreignRequests };
  } finally {
    await context.close();
    await rm(dir, { recursive: true, force: true });
  }
}

test('report.html draws every chart in headless Chromium without errors or network', async (t) => {
  if (!existsSync(CHROMIUM)) {
    t.skip('chromium not installed: apt-get install chromium');
    return;
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
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
        assert.equal(r.charts.length, charts);
        assert.equal(r.expected, charts);
        assert.equal(r.drawn, charts);
        for (const c of r.charts) {
          assert.equal(c.drawn, 'true', `${c.id} drew`);
          assert.ok(c.canvases.length > 0 && c.canvases.every((v) => v.w > 0 && v.h > 0), `${c.id} has a canvas with a size`);
        }
      });
    }
  } finally {
    await browser.close();
  }
});
