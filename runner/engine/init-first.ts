// The script's init code runs first on the VUs' thread, and only then on the main thread (which reads the options
// there): init code that never yields (`while (true) {}`) then holds a thread the main thread can stop, so the
// user hears about it and Ctrl-C or SIGTERM end the run, instead of a main thread stuck for good.
import { EXIT, RunnerError } from '../errors.ts';
import type { EngineThread } from './supervisor.ts';
import type { EngineScript, FromEngine } from './protocol.ts';

/** Init code still running after this long is named in a warning (k6 itself sets no limit on init). */
export const INIT_WARN_MS = 3000;

export async function initFirst(
  thread: EngineThread,
  script: EngineScript,
  signal: AbortSignal | undefined,
  stderr: NodeJS.WritableStream,
): Promise<void> {
  const { worker, exited } = await thread.worker;
  // a thread that could not start is reported when the test starts on it
  if (exited()) return;
  const at = performance.now();
  await new Promise<void>((resolve, reject) => {
    const warn = setTimeout(
      () =>
        stderr.write(
          `warning: the script's init code has run for ${INIT_WARN_MS / 1000} s and not finished (a loop that never yields?); Ctrl-C stops it\n`,
        ),
      INIT_WARN_MS,
    );
    const settle = () => {
      clearTimeout(warn);
      worker.off('message', onMessage);
      worker.off('exit', onExit);
      signal?.removeEventListener('abort', onAbort);
    };
    const onMessage = (m: FromEngine) => {
      if (m.t === 'stderr') stderr.write(m.text);
      else if (m.t === 'inited') {
        settle();
        resolve();
      }
    };
    const onExit = () => {
      settle();
      resolve();
    };
    const onAbort = () => {
      settle();
      const s = ((performance.now() - at) / 1000).toFixed(1);
      reject(
        new RunnerError(
          `stopped during the script's init code, which had run for ${s} s without finishing`,
          EXIT.signal,
        ),
      );
    };
    worker.on('message', onMessage);
    worker.once('exit', onExit);
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) onAbort();
    else worker.postMessage({ t: 'init', script });
  });
}
