/**
 * The pieces every self-contained HTML report with charts needs (opened from a CI artifact or an air-gapped
 * machine): uPlot and its CSS read from node_modules at render time and inlined, the chart client, the specs
 * as JSON, and a Content-Security-Policy that forbids any fetch.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ChartSpec } from './chart-spec.ts';

/** scripts and styles only from the page itself; images only as data: URLs */
export const CHART_PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:";

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** JSON inside <script>: "</script>" or "<!--" in a string would end or confuse the element; U+2028/9 were
 * line terminators in older JS parsers. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** Same guard for inlined code: a literal "</script" inside it would close our element early. */
function scriptCode(code: string): string {
  return code.replace(/<\/(script)/gi, '<\\/$1');
}

interface Assets {
  uplotJs: string;
  uplotCss: string;
  client: string;
}
let assets: Assets | undefined;
function loadAssets(): Assets {
  if (!assets) {
    const uplotDist = path.dirname(createRequire(import.meta.url).resolve('uplot'));
    const here = path.dirname(fileURLToPath(import.meta.url));
    assets = {
      uplotJs: readFileSync(path.join(uplotDist, 'uPlot.iife.min.js'), 'utf8'),
      uplotCss: readFileSync(path.join(uplotDist, 'uPlot.min.css'), 'utf8'),
      client: readFileSync(path.join(here, 'chart-client.js'), 'utf8'),
    };
  }
  return assets;
}

const CHART_CSS = `
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(560px, 1fr)); gap: 16px 24px; }
.chart-box { margin: 0; padding: 12px; border: 1px solid #d1d9e0; border-radius: 8px; min-width: 0; }
.chart-box.wide { grid-column: 1 / -1; }
.chart-box figcaption { font-size: 13px; margin-bottom: 8px; }
.chart { width: 100%; min-height: 300px; }
`;

/** for the page's <head>: uPlot's CSS and the chart boxes' */
export function chartStyles(): string {
  return `<style>${loadAssets().uplotCss}</style>\n<style>${CHART_CSS}</style>`;
}

/** A chart's box: caption, and the container the client draws into (or why there is nothing to draw). */
export function chartFigure(c: ChartSpec): string {
  const body =
    c.empty === null
      ? `<div class="chart" id="${escapeHtml(c.id)}" data-chart="${escapeHtml(c.id)}" data-drawn="false"></div>`
      : `<p class="muted chart-empty">${escapeHtml(c.empty)}</p>`;
  return `<figure class="chart-box${c.wide ? ' wide' : ''}"><figcaption><strong>${escapeHtml(c.title)}</strong> <span class="muted">${escapeHtml(c.description)}</span></figcaption>${body}</figure>`;
}

/** for the end of <body>: the specs, uPlot and the client that draws every spec's chart */
export function chartScripts(charts: ChartSpec[]): string {
  const a = loadAssets();
  return `<script type="application/json" id="chart-data">${scriptJson({ charts })}</script>
<script>${scriptCode(a.uplotJs)}</script>
<script>${scriptCode(a.client)}</script>`;
}
