/**
 * report.html: one self-contained file with the model's tables and the charts (chart-page.ts inlines uPlot
 * and forbids any fetch), so it opens from a CI artifact or an air-gapped machine.
 */
import { CHART_PAGE_CSP, chartFigure, chartScripts, chartStyles, escapeHtml } from './chart-page.ts';
import type { ChartSpec } from './chart-spec.ts';
import type { Cell, ReportModel, Table } from './document.ts';

function cellHtml(c: Cell, tag: 'td' | 'th', align: 'l' | 'r'): string {
  const cls = [align === 'r' ? 'num' : '', c.status ?? '', c.note ? 'na' : ''].filter(Boolean).join(' ');
  const note = c.note ? `<sup><a href="#note-${c.note}" title="see note ${c.note}">${c.note}</a></sup>` : '';
  return `<${tag}${cls ? ` class="${cls}"` : ''}>${escapeHtml(c.text)}${note}</${tag}>`;
}

function tableHtml(t: Table): string {
  if (t.rows.length === 0) return '<p class="muted">No data.</p>';
  const keyValue = t.headers.every((h) => h === '');
  const head = keyValue
    ? ''
    : `<thead><tr>${t.headers.map((h, i) => cellHtml({ text: h }, 'th', t.align[i])).join('')}</tr></thead>`;
  const body = t.rows
    .map(
      (r) => `<tr>${r.map((c, i) => cellHtml(c, keyValue && i === 0 ? 'th' : 'td', t.align[i] ?? 'l')).join('')}</tr>`,
    )
    .join('\n');
  return `<div class="table-wrap"><table${keyValue ? ' class="kv"' : ''}>${head}<tbody>\n${body}\n</tbody></table></div>`;
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
/* a table wider than the page scrolls inside its box, with a scrollbar that shows it does */
.table-wrap { overflow-x: auto; max-width: 100%; margin: 8px 0 16px; }
.table-wrap::-webkit-scrollbar { height: 10px; }
.table-wrap::-webkit-scrollbar-thumb { background: #aeb6bf; border-radius: 5px; }
.table-wrap::-webkit-scrollbar-track { background: var(--bg-alt); }
table { border-collapse: collapse; font-size: 13.5px; font-variant-numeric: tabular-nums; }
th, td { padding: 5px 10px; border-bottom: 1px solid var(--line); text-align: left; white-space: nowrap; }
/* sentences wrap (a figures or operators column), figures and headers stay on one line */
td:not(.num) { white-space: normal; min-width: 6em; max-width: 44em; }
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

/**
 * Any report model as one self-contained page with its charts (the incident's, the timeline's). `chartsIntro`
 * is trusted HTML (it may hold legend keys); everything else is escaped here.
 */
export function htmlDocument(
  m: ReportModel,
  charts: ChartSpec[],
  chartsIntro: string,
  chartsTitle = 'Over time',
): string {
  const sections = m.sections
    .map(
      (s) =>
        `<section id="${escapeHtml(s.id)}"><h2>${escapeHtml(s.title)}</h2>\n${s.paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('\n')}\n${s.tables.map(tableHtml).join('\n')}</section>`,
    )
    .join('\n');
  const notes = m.notes.length
    ? `<section id="notes"><h2>Notes</h2><ol class="notes">${m.notes.map((n, i) => `<li id="note-${i + 1}">n/a: ${escapeHtml(n)}</li>`).join('')}</ol></section>`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${CHART_PAGE_CSP}">
<title>${escapeHtml(m.title)}</title>
${chartStyles()}
<style>${CSS}</style>
</head>
<body>
<header>
<h1>${escapeHtml(m.title)}</h1>
<div class="sub">${escapeHtml(m.subtitle)}</div>
<p class="verdict" id="verdict">${escapeHtml(m.verdict)}</p>
</header>
<main>
<section id="charts"><h2>${escapeHtml(chartsTitle)}</h2>
<p class="muted">${chartsIntro}</p>
<div class="charts">
${charts.map(chartFigure).join('\n')}
</div></section>
${sections}
${notes}
</main>
${chartScripts(charts)}
</body>
</html>
`;
}
