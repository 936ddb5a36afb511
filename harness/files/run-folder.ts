import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  realpathSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import { UserError } from '../../common/user-error.ts';
import writeFileAtomic from 'write-file-atomic';
import { shownPath } from './paths.ts';

const MARKER = 'INCOMPLETE';

/** `child`'s path inside `parent`, after resolving symlinks (a run reached through a link is where it really
 * is); null when it lies outside */
function pathInside(parent: string, child: string): string | null {
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return path.resolve(p);
    }
  };
  const rel = path.relative(real(parent), real(child));
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : null;
}

const RUN_FILES = new Set([
  'summary.json',
  'report.md',
  'report.html',
  'series.json',
  'capacity.json',
  'capacity.md',
  'capacity.html',
  MARKER,
]);

/**
 * A folder of a command that writes no RunFolder (the growth audit, the gate) marked INCOMPLETE the same way
 * when a fault stops it: a stale marker goes now, and `unfinished` says what did not finish and what the
 * files already there are, e.g. "this audit did not finish (<reason>): growth.json, if any, is an earlier audit's".
 */
export function markerFolder(
  dir: string,
  unfinished: (reason: string) => string,
): Pick<RunFolder, 'dir' | 'markIncomplete'> {
  mkdirSync(dir, { recursive: true });
  const marker = path.join(dir, MARKER);
  rmSync(marker, { force: true });
  return {
    dir,
    markIncomplete: (reason, figures = []) =>
      writeFileSync(marker, `${unfinished(reason)}\n${figures.map((f) => `  ${f}\n`).join('')}`),
  };
}

/**
 * A run folder is marked INCOMPLETE from its creation until every contract file is written; an interrupted
 * run keeps the marker (with the reason), so nothing half-written ever looks like a finished report.
 */
export class RunFolder {
  private constructor(
    readonly dir: string,
    readonly runId: string,
  ) {}

  static create(reportsDir: string, out?: string): RunFolder {
    const runId = new Date().toISOString().replace(/[:.]/g, '-').replace('T', '_').slice(0, 19);
    const dir = path.resolve(out ?? path.join(reportsDir, runId));
    if (existsSync(dir)) {
      const entries = readdirSync(dir);
      const isRunFolder = entries.length === 0 || entries.some((e) => RUN_FILES.has(e));
      if (!isRunFolder)
        throw new UserError(
          `--out ${dir} exists and is not a loadlab run folder (accepted: a new path, an empty folder, or an earlier run folder)`,
        );
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

  /**
   * A finished run's files in their order: figures and series, then the report rendered from them, and only then
   * complete(), so the marker goes once every contract file is whole.
   */
  async finish(
    reportsDir: string,
    summary: unknown,
    series: unknown,
    renderReport: () => void | Promise<void>,
  ): Promise<void> {
    this.write('summary.json', JSON.stringify(summary, null, 2) + '\n');
    this.write('series.json', JSON.stringify(series) + '\n');
    await renderReport();
    this.complete(reportsDir);
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

  /** after complete(): the `latest` link that now points here, or null when none does */
  latest: string | null = null;
  /** after complete(): for the command's last line, whether `latest` follows this run and why not */
  latestNote = '';

  /**
   * The last step: drop the marker and, for a run folder inside `reportsDir`, point `reportsDir/latest` here.
   * A run written elsewhere (--out, e.g. a test's temporary folder) leaves `latest` alone, so it never ends up
   * pointing at a folder that is gone tomorrow. The link is replaced atomically: it always names a finished run.
   */
  complete(reportsDir: string): void {
    rmSync(this.file(MARKER), { force: true });
    const latest = path.join(reportsDir, 'latest');
    const shown = shownPath(latest);
    const target = pathInside(reportsDir, this.dir);
    if (target === null) {
      this.latestNote = `(outside ${shownPath(reportsDir)}/, so ${shown} was left as it was)`;
      return;
    }
    // a file or folder of the user's own by that name is not ours to replace
    if (lstatSync(latest, { throwIfNoEntry: false })?.isSymbolicLink() === false) {
      this.latestNote = `(${shown} is not a link, so it was left as it was)`;
      return;
    }
    const tmp = `${latest}.${process.pid}.tmp`;
    try {
      rmSync(tmp, { force: true });
      symlinkSync(target, tmp);
      renameSync(tmp, latest);
      this.latest = latest;
      this.latestNote = `(also ${shown})`;
    } catch (err) {
      rmSync(tmp, { force: true }); // e.g. a file system without symlinks: the run is complete all the same
      this.latestNote = `(${shown} could not be linked: ${(err as NodeJS.ErrnoException).code ?? 'error'})`;
    }
  }
}
