import { runnerCrashed, type RunnerRun } from './runner-process.ts';
import { loadFigures } from './summary-export.ts';
import { RunFault } from '../guard/fault.ts';
import type { Watchdog } from '../guard/watchdog.ts';

export interface LoadEnd {
  run: Pick<RunnerRun, 'code' | 'killedBy'>;
  signal?: AbortSignal;
  /** records the figures so far; without one (a command that keeps no record) they are only lost */
  watchdog?: Watchdog;
  /** the runner's --summary-export, read for the figures so far */
  summaryFile?: string;
  /** how far the load got, e.g. "before: stopped 12.3 s into its load" */
  stoppedAt: string;
  /** what the load was part of, for the fault's line: "variant before", "the day" */
  during: string;
  /** where the database samples of the stopped load are, when it had any */
  dbSamples?: string;
}

/**
 * A load ended early: on a fault the watchdog noticed (the figures so far are recorded, then the fault is
 * thrown), or because the runner itself died. Otherwise returns and the caller goes on with its figures.
 */
export function endIfStopped(e: LoadEnd): void {
  const crashed = runnerCrashed(e.run);
  if (!e.signal?.aborted && !crashed) return;
  const figures = e.summaryFile ? loadFigures(e.summaryFile) : undefined;
  e.watchdog?.record(
    `${e.stoppedAt}: ${figures ?? 'the runner wrote no summary'}${e.dbSamples ? `; DB samples in ${e.dbSamples}` : ''}`,
  );
  e.signal?.throwIfAborted();
  throw new RunFault('runner', `the load runner ended unexpectedly (${crashed}) during ${e.during}`);
}
