import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync, lstatSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../../common/user-error.ts';
import writeFileAtomic from 'write-file-atomic';

const MARKER = 'INCOMPLETE';
const RUN_FILES = new Set(['summary.json', 'report.md', 'report.html', 'series.json', 'capacity.json', 'capacity.md', 'capacity.html', MARKER]);

/**
 * A run folder is marked INCOMPLETE from its creation until every contract file is written; an interrupted
 * run keeps the marker (with the reason), so nothing half-written ever looks like a finished report.
 */
export class RunFolder {
  private constructor(readonly dir: string, readonly runId: string) {}

  static create(reportsDir: string, out?: string): RunFolder {
    const runId = new Date().toISOString().replace(/[:.]/g, '-').replace('T', '_').slice(0, 19);
    const dir = path.resolve(out ?? path.join(reportsDir, runId));
    if (existsSync(dir)) {
      const entries = readdirSync(dir);
      const isRunFolder = entries.length === 0 || entries.some((e) => RUN_FILES.has(e));
      if (!isRunFolder) throw new UserError(`--out ${dir} exists and is not a loadlab run folder (accepted: a new path, an empty folder, or an earlier run folder)`);
    }
    mkdirSync(dir, { recursive: true });
    const folder = new RunFolder(dir, path.basename(dir));
    writeFileSync(path.join(dir, MARKER), 'this run has not finished: its files may be partial\n');
    return folder;
  }

  file(name: string): string {
    return path.join(this.dir, name);
  }

  /** write whole or not at all */
  write(name: string, content: string): void {
    writeFileAtomic.sync(this.file(name), content);
  }

  private marked = false;

  /** the first reason stays: a fault's reason is not overwritten by the 'interrupted' of the cleanup after it */
  markIncomplete(reason: string, figures: string[] = []): void {
    if (this.marked) return;
    this.marked = true;
    const sofar = figures.length ? `figures so far:\n${figures.map((f) => `  ${f}\n`).join('')}` : '';
    try {
      writeFileSync(this.file(MARKER), `this run did not finish (${reason}): its files may be partial\n${sofar}`);
    } catch {
      /* the folder may be gone; nothing more to mark */
    }
  }

  /** the last step: drop the marker and point reports/latest here */
  complete(reportsDir: string): void {
    rmSync(this.file(MARKER), { force: true });
    const latest = path.join(reportsDir, 'latest');
    try {
      if (lstatSync(latest, { throwIfNoEntry: false })) unlinkSync(latest);
      symlinkSync(path.relative(reportsDir, this.dir), latest);
    } catch {
      /* a folder outside reports/ (--out elsewhere) still counts as complete */
    }
  }
}
