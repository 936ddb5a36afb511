import { onCleanup } from '../process/cleanup.ts';
import { prepareEntry } from '../process/compiled-entry.ts';
import { howItEnded, projectCommand, stopTree } from '../process/service.ts';

export interface RunnerRun {
  /** the runner's exit code: 0 pass, 99 thresholds failed, 105 stopped by a signal (k6's codes); 1 when killed */
  code: number;
  /** the signal that killed it, if one did (it handles SIGTERM itself, so this is a SIGKILL or a crash) */
  killedBy: NodeJS.Signals | null;
  /** the end of its stderr, for an error message */
  stderrTail: string;
}

/** The runner ended in a way no run asks for: killed, or stopped by a signal we did not send. */
export function runnerCrashed(run: Pick<RunnerRun, 'code' | 'killedBy'>): string | undefined {
  if (run.killedBy) return howItEnded(null, run.killedBy);
  if (run.code === 105) return 'stopped by a signal (exit 105)';
  return undefined;
}

/**
 * Runs `npm run load -- SCRIPT ...` as its own process, so the load generator does not share an event loop
 * with anything it measures. Its live progress line is shown on a terminal; CI gets --quiet. Aborting `signal`
 * stops it as Ctrl-C stops k6: the summary of the load so far is still written (exit 105).
 */
export async function runLoadScript(
  script: string,
  env: Record<string, string | number>,
  extraArgs: string[],
  opts: { showProgress: boolean; signal?: AbortSignal },
): Promise<RunnerRun> {
  const args = [
    script,
    ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
    ...extraArgs,
    ...(opts.showProgress ? [] : ['--quiet']),
  ];
  await prepareEntry('runner/cli.ts');
  const p = projectCommand('runner/cli.ts', args, {
    stdio: ['ignore', 'ignore', opts.showProgress ? 'inherit' : 'pipe'],
  });
  let tail = '';
  if (!opts.showProgress) p.stderr.on('data', (d: Buffer) => (tail = (tail + d).slice(-4000)));
  const unregister = onCleanup('load runner', () => stopTree(p));
  const abort = () => void stopTree(p);
  opts.signal?.addEventListener('abort', abort, { once: true });
  if (opts.signal?.aborted) abort();
  const out = await p;
  opts.signal?.removeEventListener('abort', abort);
  unregister();
  return { code: out.exitCode ?? 1, killedBy: out.signal, stderrTail: tail.trim().split('\n').slice(-3).join(' | ') };
}
