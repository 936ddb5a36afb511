import { spawn } from 'node:child_process';
import path from 'node:path';
import { onCleanup } from './cleanup.ts';
import { projectRoot } from './paths.ts';

export interface RunnerRun {
  /** the runner's exit code: 0 pass, 99 thresholds failed (k6's codes) */
  code: number;
  /** the end of its stderr, for an error message */
  stderrTail: string;
}

/**
 * Runs `npm run load -- SCRIPT ...` as its own process, so the load generator does not share an event loop
 * with anything it measures. Its live progress line is shown on a terminal; CI gets --quiet.
 */
export function runLoadScript(script: string, env: Record<string, string | number>, extraArgs: string[], opts: { showProgress: boolean }): Promise<RunnerRun> {
  const tsx = path.join(projectRoot, 'node_modules', '.bin', 'tsx');
  const args = [path.join(projectRoot, 'runner', 'cli.ts'), script, ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]), ...extraArgs, ...(opts.showProgress ? [] : ['--quiet'])];
  const child = spawn(tsx, args, { cwd: projectRoot, stdio: ['ignore', 'ignore', opts.showProgress ? 'inherit' : 'pipe'] });
  let tail = '';
  child.stderr?.on('data', (d) => (tail = (tail + d).slice(-4000)));
  const unregister = onCleanup('load runner', async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  });
  return new Promise((resolve) => {
    child.once('exit', (code) => {
      unregister();
      resolve({ code: code ?? 1, stderrTail: tail.trim().split('\n').slice(-3).join(' | ') });
    });
  });
}

/** The figures of k6's --summary-export that the harness reads. */
export interface ExportedSummary {
  metrics: Record<string, Record<string, number | Record<string, boolean> | undefined> & { thresholds?: Record<string, boolean> }>;
}

export function metricValue(summary: ExportedSummary, metric: string, stat: string): number | undefined {
  const v = summary.metrics[metric]?.[stat];
  return typeof v === 'number' ? v : undefined;
}
