/**
 * One place that knows what must be stopped when the process ends: the embedded PostgreSQL, a shop, a runner.
 * Cleanups run in reverse order of registration (the last thing started stops first), once, on normal exit,
 * on an error, and on SIGINT/SIGTERM/SIGHUP.
 */
type Cleanup = () => Promise<void> | void;

const cleanups: { name: string; fn: Cleanup }[] = [];
let running: Promise<void> | undefined;
let signalled = false;

export function onCleanup(name: string, fn: Cleanup): () => void {
  const entry = { name, fn };
  cleanups.push(entry);
  installSignalHandlers();
  return () => {
    const i = cleanups.indexOf(entry);
    if (i >= 0) cleanups.splice(i, 1);
  };
}

export function runCleanups(): Promise<void> {
  running ??= (async () => {
    while (cleanups.length > 0) {
      const { name, fn } = cleanups.pop()!;
      try {
        await fn();
      } catch (err) {
        process.stderr.write(`warning: stopping ${name} failed: ${(err as Error).message}\n`);
      }
    }
  })();
  return running;
}

export function wasSignalled(): boolean {
  return signalled;
}

let interrupted: AbortController | undefined;

/** A signal that is aborted by the first SIGINT/SIGTERM/SIGHUP: long work passes it down to stop in time. */
export function interruption(): AbortSignal {
  if (!interrupted) {
    const c = new AbortController();
    interrupted = c;
    onSignal((signal) => c.abort(signal));
  }
  return interrupted.signal;
}

let installed = false;
const listeners: ((signal: NodeJS.Signals) => void)[] = [];

/** Lets long work (a run, a seed) stop early and tidily on Ctrl-C before the cleanups run. */
export function onSignal(fn: (signal: NodeJS.Signals) => void): void {
  listeners.push(fn);
  installSignalHandlers();
}

function installSignalHandlers(): void {
  if (installed) return;
  installed = true;
  const handler = (signal: NodeJS.Signals) => {
    if (signalled) {
      process.stderr.write(`\n${signal} again: still stopping, please wait\n`);
      return;
    }
    signalled = true;
    process.stderr.write(`\n${signal}: stopping\n`);
    for (const l of listeners) {
      try {
        l(signal);
      } catch {
        /* a listener must not keep the others from running */
      }
    }
    void runCleanups().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  process.on('SIGHUP', handler);
}
