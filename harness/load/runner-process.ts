import { onCleanup } from '../process/cleanup.ts';
import { projectCommand, stopTree } from '../process/service.ts';

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
export async function runLoadScript(script: string, env: Record<string, string | number>, extraArgs: string[], opts: { showProgress: boolean }): Promise<RunnerRun> {
  const args = [script, ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]), ...extraArgs, ...(opts.showProgress ? [] : ['--quiet'])];
  const p = projectCommand('runner/cli.ts', args, { stdio: ['ignore', 'ignore', opts.showProgress ? 'inherit' : 'pipe'] });
  let tail = '';
  if (!opts.showProgress) p.stderr.on('data', (d: Buffer) => (tail = (tail + d).slice(-4000)));
  const unregister = onCleanup('load runner', () => stopTree(p));
  const code = await p.exitCode;
  unregister();
  return { code: code ?? 1, stderrTail: tail.trim().split('\n').slice(-3).join(' | ') };
}
