// Opens a report file in Debian's headless Chromium the way a reader would, with every request other than the
// file itself refused, and collects what went wrong on the page.
import type { TestContext } from 'node:test';
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';

/** why browser checks cannot run here, or null when they can */
export const chromiumMissing = existsSync(CHROMIUM) ? null : 'chromium not installed: apt-get install chromium';

/**
 * Runs `fn` with a browser. Without Chromium it says so in the test's output and returns: a test that only
 * checks the browser skips itself first (`if (chromiumMissing) return t.skip(chromiumMissing)`), while a
 * longer test keeps its other assertions.
 */
export async function withBrowser(t: TestContext, fn: (browser: Browser) => Promise<void>): Promise<void> {
  if (chromiumMissing) {
    t.diagnostic(`browser check not run: ${chromiumMissing}`);
    return;
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  try {
    await fn(browser);
  } finally {
    await browser.close();
  }
}

export interface PageProblems {
  consoleErrors: string[];
  pageErrors: string[];
  foreignRequests: string[];
}

/** Loads `file` and waits until every chart has drawn (or 5 s); then `read` runs on the page. */
export async function inPage<T>(
  browser: Browser,
  file: string,
  read: (page: Page) => Promise<T>,
): Promise<T & PageProblems> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  try {
    const url = pathToFileURL(file).href;
    const page = await context.newPage();
    const problems: PageProblems = { consoleErrors: [], pageErrors: [], foreignRequests: [] };
    page.on('console', (m) => {
      if (m.type() === 'error') problems.consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => problems.pageErrors.push(e.message));
    await context.route('**/*', (route) => {
      if (route.request().url() === url) return route.continue();
      problems.foreignRequests.push(route.request().url());
      return route.abort();
    });
    await page.goto(url, { waitUntil: 'load' });
    // page code as strings: the project compiles without the DOM lib, and these run in the browser anyway
    await page
      .waitForFunction(
        'window.__chartsExpected !== undefined && window.__chartsDrawn === window.__chartsExpected',
        null,
        { timeout: 5000 },
      )
      .catch(() => undefined); // the caller's assertions say what did not draw
    return { ...(await read(page)), ...problems };
  } finally {
    await context.close();
  }
}
