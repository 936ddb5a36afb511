/** Writes report.md and report.html into a run folder. */
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import type { ReportInput } from '../incident/types.ts';
import { renderHtml } from './render-html.ts';
import { renderMarkdown } from './render-md.ts';

export async function writeReport(dir: string, input: ReportInput): Promise<void> {
  // render both before writing either, so a rendering bug cannot leave a new .md next to a stale .html
  const md = renderMarkdown(input);
  const html = renderHtml(input);
  writeFileAtomic.sync(path.join(dir, 'report.md'), md);
  writeFileAtomic.sync(path.join(dir, 'report.html'), html);
}
