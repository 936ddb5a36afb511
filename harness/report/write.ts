/** Writes a run folder's report.md and report.html from one report page, whichever mode built it. */
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { escapeHtml } from './chart-page.ts';
import type { ChartSpec } from './chart-spec.ts';
import type { ReportModel } from './document.ts';
import { htmlDocument } from './render-html.ts';
import { markdownDocument } from './render-md.ts';

/** What a mode hands the renderers: its model, its charts, the line above the charts and the markdown's last line. */
export interface ReportPage {
  model: ReportModel;
  charts: ChartSpec[];
  /** trusted HTML above the charts (it may hold legend keys from `legendKeys`) */
  chartsIntro: string;
  /** the charts' heading: 'Over time' unless the x axis is something else (dates, concurrency) */
  chartsTitle?: string;
  /** the markdown's closing line, pointing at what only the HTML shows */
  mdClosing: string;
}

export function renderReport(p: ReportPage): { md: string; html: string } {
  return {
    md: markdownDocument(p.model, p.mdClosing),
    html: htmlDocument(p.model, p.charts, p.chartsIntro, p.chartsTitle),
  };
}

export function writeReportPage(dir: string, p: ReportPage): void {
  // both rendered before either is written: a rendering bug cannot leave a new .md next to a stale .html
  const { md, html } = renderReport(p);
  writeFileAtomic.sync(path.join(dir, 'report.md'), md);
  writeFileAtomic.sync(path.join(dir, 'report.html'), html);
}

/** A colour key per series label, as the charts draw them, for a page's charts intro. */
export function legendKeys(keys: { color: string; label: string }[]): string {
  return keys
    .map((k) => `<span class="legend-key" style="background:${k.color}"></span>${escapeHtml(k.label)}`)
    .join('');
}
