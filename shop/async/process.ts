/**
 * What the two worker processes (web, task) share: settings from the environment, given by whoever starts
 * them (the load:partition harness), and a clean stop on SIGTERM/SIGINT that never hangs on a silent link.
 */
export function workerEnv<K extends string>(names: readonly K[]): Record<K, string> {
  const out = {} as Record<K, string>;
  const missing: string[] = [];
  for (const n of names) {
    const v = process.env[n]?.trim();
    if (v) out[n] = v;
    else missing.push(n);
  }
  if (missing.length)
    refuse(`${missing.join(', ')} not set (this worker is started by npm run load:partition, which sets them)`);
  return out;
}

/** A setting the worker cannot run with: one line on stderr, exit 1. */
export function refuse(message: string): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(1);
}

/** Serves until a signal, then closes; a close that hangs (a link still cut) is cut short after `graceMs`. */
export function serveUntilSignal(close: () => Promise<void>, graceMs = 5_000): void {
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => process.exit(0), graceMs).unref();
    close().then(
      () => process.exit(0),
      () => process.exit(0),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
