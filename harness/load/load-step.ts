/**
 * The one way every mode plays load: the runner as a child, the mode's operators on the harness's clock beside it,
 * one abort policy, one check of how it ended, one exit rule. k6's executors sit behind one interface; so do the
 * modes' loads behind this step.
 */
import { UserError } from '../../common/user-error.ts';
import { showProgress } from '../cli/progress.ts';
import type { Watchdog } from '../guard/watchdog.ts';
import { readLoadPoints, type LoadPoints } from './k6-points.ts';
import { runLoadScript } from './runner-process.ts';
import { endIfStopped } from './stopped-load.ts';
import { thresholdsMet } from './summary-export.ts';

export interface LoadStepPlan<T> {
  script: string;
  env: Record<string, string | number>;
  /** what the load is called in a line that says how far it got: "before", "the day", "latency" */
  label: string;
  /** what the load is part of, for a fault's line: "variant before", "the day" */
  during: string;
  /** the runner's --summary-export: written by the runner, its thresholds read back */
  summaryFile?: string;
  /** the runner's --out json: written by the runner, its request points read back */
  pointsFile?: string;
  /** the script's own metrics to read back with the points */
  custom?: string[];
  /** the watchdog's fault signal: the load stops, its figures so far are recorded, the fault is thrown */
  signal?: AbortSignal;
  watchdog?: Watchdog;
  /** where the database samples of the load are, named in the record of a stopped load */
  dbSamples?: string;
  /** epoch ms the "stopped N s into its load" figure counts from (default: when the runner started) */
  clockStartMs?: number;
  /** the live progress line on a terminal (default: when stderr is one and not in CI) */
  progress?: boolean;
  /**
   * Work on the harness's clock while the load plays (switches, a partition). Its signal aborts when the runner
   * ends or a fault stops the run. When it fails, the load stops at once and its error is the step's, unless the
   * runner had ended or a fault had stopped the run first: then that is the news.
   */
  operators?: (runnerEnded: Promise<void>, signal: AbortSignal) => Promise<T>;
}

export interface LoadStepResult<T> {
  /** the runner's exit code: 0, or 99 when a threshold of the script failed (k6's code) */
  code: 0 | 99;
  thresholds: Record<string, { ok: boolean }> | undefined;
  points: LoadPoints | undefined;
  operated: T | undefined;
}

export async function playLoad<T = undefined>(p: LoadStepPlan<T>): Promise<LoadStepResult<T>> {
  const halt = new AbortController();
  const started = Date.now();
  const args = [
    ...(p.summaryFile ? ['--summary-export', p.summaryFile] : []),
    ...(p.pointsFile ? ['--out', `json=${p.pointsFile}`] : []),
  ];
  const runner = runLoadScript(p.script, p.env, args, {
    showProgress: p.progress ?? showProgress(),
    signal: p.signal ? AbortSignal.any([p.signal, halt.signal]) : halt.signal,
  });
  let runnerOver = false;
  const runnerEnded = runner.then(() => {
    runnerOver = true;
  });
  const ended = (run: Awaited<typeof runner>) =>
    endIfStopped({
      run,
      signal: p.signal,
      watchdog: p.watchdog,
      summaryFile: p.summaryFile,
      during: p.during,
      stoppedAt: `${p.label}: stopped ${((Date.now() - (p.clockStartMs ?? started)) / 1000).toFixed(1)} s into its load`,
      dbSamples: p.dbSamples,
    });
  let operated: T | undefined;
  if (p.operators) {
    const over = new AbortController();
    void runnerEnded.then(() => over.abort());
    try {
      operated = await p.operators(runnerEnded, p.signal ? AbortSignal.any([over.signal, p.signal]) : over.signal);
    } catch (err) {
      const first = runnerOver || p.signal?.aborted === true;
      halt.abort();
      const run = await runner;
      if (first) ended(run);
      throw err;
    }
  }
  const run = await runner;
  ended(run);
  if (run.code !== 0 && run.code !== 99)
    throw new UserError(`the load runner failed during ${p.during} (exit ${run.code}): ${run.stderrTail}`);
  return {
    code: run.code,
    thresholds: p.summaryFile ? thresholdsMet(p.summaryFile) : undefined,
    points: p.pointsFile ? await readLoadPoints(p.pointsFile, { custom: p.custom }) : undefined,
    operated,
  };
}
