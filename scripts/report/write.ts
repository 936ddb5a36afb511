/** Writes report.md and report.html into a run folder. */
import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ReportInput } from '../incident/types.ts';
import { renderHtml } from './render-html.ts';
import { renderMarkdown } from './render-md.ts';

/** temp file + rename: a reader (browser auto-reload, CI artifact upload) never sees a half-written report,
 * and an interrupted re-render leaves the previous report intact. */
async function writeAtomic(file: string, text: string): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, text, 'utf8');
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

export async function writeReport(dir: string, input: ReportInput): Promise<void> {
  // render both before writing either, so a rendering bug cannot leave a new .md next to a stale .html
  const md = renderMarkdown(input);
  const html = renderHtml(input);
  await writeAtomic(path.join(dir, 'report.md'), md);
  await writeAtomic(path.join(dir, 'report.html'), html);
}
