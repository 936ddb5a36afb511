/**
 * The frame every long run shares: a watchdog over the disks (before the folder exists, so a disk below its floor
 * refuses the start), a run folder marked INCOMPLETE until its files are whole (and left marked, with the reason,
 * on a fault or Ctrl-C), the mode's body run under the watchdog, and the watched dataset the body usually needs.
 */
import { progressLog } from '../cli/progress.ts';
import { openDataset, type OpenedDataset } from '../db/dataset.ts';
import { RunFolder } from '../files/run-folder.ts';
import { onCleanup } from '../process/cleanup.ts';
import type { DatasetSpec } from '../../datasets/presets.ts';
import { Watchdog } from './watchdog.ts';

export interface RunFrame {
  folder: RunFolder;
  watchdog: Watchdog;
  /** aborted on the watchdog's first fault: pass it to whatever the body starts */
  signal: AbortSignal;
  /** one line for the person running it */
  say: (line: string) => void;
}

export interface FrameOptions {
  /** where run folders go (reports/, or reports/capacity) */
  reportsDir: string;
  /** --out: the run's folder instead of a new one under reportsDir */
  out?: string;
  say: (line: string) => void;
  /** the run's first line, once the folder exists */
  intro: (folder: RunFolder) => string;
}

export async function inRunFrame<T>(
  o: FrameOptions,
  body: (frame: RunFrame) => Promise<T>,
): Promise<{ result: T; folder: RunFolder }> {
  const watchdog = new Watchdog(o.say);
  watchdog.watchRunDisks(o.out ?? o.reportsDir);
  const folder = RunFolder.create(o.reportsDir, o.out);
  const unmark = onCleanup('run folder', () => folder.markIncomplete('interrupted'));
  o.say(o.intro(folder));
  const result = await watchdog.run(folder, (signal) => body({ folder, watchdog, signal, say: o.say }));
  unmark();
  return { result, folder };
}

/**
 * Seeds or reuses the dataset and watches its database for the body; a stop of the body's own is not a crash, so
 * the watch ends before the database closes. On a fault the process's cleanups stop the server.
 */
export async function withDataset<T>(
  frame: RunFrame,
  preset: DatasetSpec,
  seed: number,
  body: (ds: OpenedDataset) => Promise<T>,
): Promise<T> {
  const ds = await openDataset({ preset, seed, log: progressLog(process.stderr), signal: frame.signal });
  const unwatch = frame.watchdog.watchDatabase(ds.db);
  const { db, result } = ds;
  frame.say(
    `dataset ${result.reused ? 'reused' : 'seeded'} in ${result.seconds.toFixed(1)} s; temp_file_limit ${db.tempFileLimit.setting} per session (${db.tempFileLimit.basis})`,
  );
  const out = await body(ds);
  unwatch();
  await db.close();
  return out;
}
