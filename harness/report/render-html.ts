/**
 * report.html: one self-contained file (opened from a CI artifact or an air-gapped machine), so uPlot and its
 * CSS are read from node_modules at render time and inlined, and a Content-Security-Policy forbids any fetch.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ReportInput } from '../incident/types.ts';
import { buildCharts, VARIANT_COLORS, type ChartSpec } from './charts.ts';
import { buildModel, type Cell, type ReportModel, type Table } from './model.ts';

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** JSON inside <script>: "</script>" or "<!--" in a string would end or confuse the element; U+2028/9 were
 * line terminators in older JS parsers. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
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

function cellHtml(c: Cell, tag: 'td' | 'th', align: 'l' | 'r'): string {
  const cls = [align === 'r' ? 'num' : '', c.status ?? '', c.note ? 'na' : ''].filter(Boolean).join(' ');
  const note = c.note ? `<sup><a href="#note-${c.note}" title="see note ${c.note}">${c.note}</a></sup>` : '';
  return `<${tag}${cls ? ` class="${cls}"` : ''}>${escapeHtml(c.text)}${note}</${tag}>`;
}

function tableHtml(t: Table): string {
  if (t.rows.length === 0) return '<p class="muted">No data.</p>';
  const keyValue = t.headers.every((h) => h === '');
  const head = keyValue ? '' : `<thead><tr>${t.headers.map((h, i) => cellHtml({ text: h }, 'th', t.align[i])).join('')}</tr></thead>`;
  const body = t.rows
    .map((r) => `<tr>${r.map((c, i) => cellHtml(c, keyValue && i === 0 ? 'th' : 'td', t.align[i] ?? 'l')).join('')}</tr>`)
    .join('\n');
  return `<div class="table-wrap"><table${keyValue ? ' class="kv"' : ''}>${head}<tbody>\n${body}\n</tbody></table></div>`;
}

function chartHtml(c: ChartSpec): string {
  const body = c.empty === null ? `<div class="chart" id="${escapeHtml(c.id)}" data-chart="${escapeHtml(c.id)}" data-drawn="false"></div>` : `<p class="muted chart-empty">${escapeHtml(c.empty)}</p>`;
  return `<figure class="chart-box"><figcaption><strong>${escapeHtml(c.title)}</strong> <span class="muted">${escapeHtml(c.description)}</span></figcaption>${body}</figure>`;
}

const CSS = `
:root { --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --bg-alt: #f6f8fa; --pass: #1a7f37; --fail: #cf222e; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--fg); background: #fff; }
header { background: #24292f; color: #fff; padding: 24px 32px 20px; }
header h1 { margin: 0 0 4px; font-size: 22px; font-weight: 600; }
header .sub { color: #c9d1d9; font-size: 14px; }
.verdict { margin: 16px 0 0; padding: 14px 18px; background: #fff; color: var(--fg); border-left: 5px solid #f08c00; border-radius: 6px; max-width: 1100px; font-size: 16px; }
main { padding: 8px 32px 48px; max-width: 1400px; }
h2 { font-size: 18px; margin: 32px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
p { max-width: 1000px; }
.muted { color: var(--muted); }
.legend-key { display: inline-block; width: 12px; height: 12px; border-radius: 2px; vertical-align: -1px; margin: 0 4px 0 12px; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(560px, 1fr)); gap: 16px 24px; }
.chart-box { margin: 0; padding: 12px; border: 1px solid var(--line); border-radius: 8px; min-width: 0; }
.chart-box figcaption { font-size: 13px; margin-bottom: 8px; }
.chart { width: 100%; min-height: 300px; }
.table-wrap { overflow-x: auto; margin: 8px 0 16px; }
table { border-collapse: collapse; font-size: 13.5px; font-variant-numeric: tabular-nums; }
th, td { padding: 5px 10px; border-bottom: 1px solid var(--line); text-align: left; white-space: nowrap; }
thead th { background: var(--bg-alt); font-weight: 600; border-bottom: 2px solid var(--line); }
tbody tr:nth-child(even) td { background: #fbfcfd; }
table.kv th { font-weight: 500; color: var(--muted); }
table.kv td { white-space: normal; }
.num { text-align: right; }
td.pass { color: var(--pass); font-weight: 600; }
td.fail { color: var(--fail); font-weight: 600; }
td.na { color: var(--muted); }
sup a { text-decoration: none; }
ol.notes { font-size: 13.5px; color: var(--muted); }
`;

export function renderHtml(input: ReportInput): string {
  const legend = (['before', 'after'] as const)
    .filter((v) => input.summary.variants[v] !== undefined)
    .map((v) => `<span class="legend-key" style="background:${VARIANT_COLORS[v]}"></span>${v}${v === 'before' ? ' (old query)' : ' (fixed query)'}`)
    .join('');
  const intro = `Time is seconds since each variant's load start, so both runs share one axis; shaded bands are the phases.${legend ? ` Colours:${legend}` : ''}`;
  return htmlDocument(buildModel(input), buildCharts(input), intro);
}

/**
 * Any report model as one self-contained page with its charts (the incident's, the timeline's). `chartsIntro`
 * is trusted HTML (it may hold legend keys); everything else is escaped here.
 */
export function htmlDocument(m: ReportModel, charts: ChartSpec[], chartsIntro: string): string {
  const a = loadAssets();
  const sections = m.sections
    .map((s) => `<section id="${escapeHtml(s.id)}"><h2>${escapeHtml(s.title)}</h2>\n${s.paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('\n')}\n${s.tables.map(tableHtml).join('\n')}</section>`)
    .join('\n');
  const notes = m.notes.length
    ? `<section id="notes"><h2>Notes</h2><ol class="notes">${m.notes.map((n, i) => `<li id="note-${i + 1}">n/a: ${escapeHtml(n)}</li>`).join('')}</ol></section>`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>${escapeHtml(m.title)}</title>
<style>${a.uplotCss}</style>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>${escapeHtml(m.title)}</h1>
<div class="sub">${escapeHtml(m.subtitle)}</div>
<p class="verdict" id="verdict">${escapeHtml(m.verdict)}</p>
</header>
<main>
<section id="charts"><h2>Over time</h2>
<p class="muted">${chartsIntro}</p>
<div class="charts">
${charts.map(chartHtml).join('\n')}
</div></section>
${sections}
${notes}
</main>
<script type="application/json" id="report-data">${scriptJson({ charts })}</script>
<script>${scriptCode(a.uplotJs)}</script>
<script>${scriptCode(a.client)}</script>
</body>
</html>
`;
}
