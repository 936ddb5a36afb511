import { spawnSync } from 'node:child_process';
import { $, type ProcessPromise } from 'zx';
import { UserError } from '../../common/user-error.ts';
import { onCleanup } from './cleanup.ts';
import { projectRoot } from '../files/paths.ts';
import { nodeArgsOf, prepareEntry } from './compiled-entry.ts';

export interface Service {
  process: ProcessPromise;
  /** the first capture group of the ready pattern (e.g. the URL it listens on) */
  ready: string;
  stop(): Promise<void>;
  /** the exit code once it has ended (null after a signal) */
  exited: Promise<number | null>;
  /** how it ended (e.g. "killed by SIGKILL") if it ends without stop(): a crash; pending otherwise */
  unexpectedEnd: Promise<string>;
}

// setpriv's --pdeathsig: the child gets SIGTERM if this process dies without cleaning up (even on SIGKILL),
// so no shop or runner outlives the harness. Where setpriv is missing, Ctrl-C and errors still stop them.
export const deathSignal =
  spawnSync('setpriv', ['--version'], { stdio: 'ignore' }).status === 0
    ? ['setpriv', '--pdeathsig', 'SIGTERM', '--']
    : [];

/**
 * A project command (`node ENTRY args`, from its bundle, else through tsx's loader) as ONE child process, whose
 * pid is the command's own: a kill of it, or of us, leaves no grandchild behind (the tsx binary would run node as
 * a child of its own).
 */
export function projectCommand(
  entry: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; stdio?: ('ignore' | 'pipe' | 'inherit')[] } = {},
): ProcessPromise {
  return $({
    cwd: projectRoot,
    env: { ...process.env, ...opts.env },
    quiet: true,
    nothrow: true,
    stdio: opts.stdio ?? ['ignore', 'pipe', 'pipe'],
  })`${deathSignal} ${process.execPath} ${nodeArgsOf(entry)} ${args}`;
}

/** "killed by SIGKILL", "exit 3: <its last line>" */
export function howItEnded(code: number | null, signal: NodeJS.Signals | null, lastLine = ''): string {
  if (signal) return `killed by ${signal}`;
  return `exit ${code}${lastLine ? `: ${lastLine}` : ''}`;
}

/** SIGTERM to the process tree, then SIGKILL if it has not ended within `graceMs`. */
export async function stopTree(p: ProcessPromise, graceMs = 10_000): Promise<void> {
  if (p.stage !== 'running') return;
  await p.kill('SIGTERM').catch(() => {});
  const t = setTimeout(() => void p.kill('SIGKILL').catch(() => {}), graceMs);
  await p.exitCode;
  clearTimeout(t);
}

/**
 * Starts a project command and waits until a line of its output matches `readyPattern`. It is stopped on
 * cleanup (exit, error, Ctrl-C) with SIGTERM, then SIGKILL.
 */
export function startService(
  name: string,
  entry: string,
  args: string[],
  readyPattern: RegExp,
  opts: SuperviseOptions & { env?: NodeJS.ProcessEnv } = {},
): Promise<Service> {
  return prepareEntry(entry).then(() =>
    superviseService(name, projectCommand(entry, args, { env: opts.env }), readyPattern, opts),
  );
}

export interface SuperviseOptions {
  timeoutMs?: number;
  onLine?: (line: string) => void;
}

/**
 * Watches a started child until a line of its output matches `readyPattern`, and registers its stop (SIGTERM to
 * the tree, then SIGKILL) with the cleanups; a child that ends or stays silent first is stopped and reported.
 */
export async function superviseService(
  name: string,
  p: ProcessPromise,
  readyPattern: RegExp,
  opts: SuperviseOptions = {},
): Promise<Service> {
  const exited = p.exitCode;
  let output = '';
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= stopTree(p));
  const unregister = onCleanup(name, stop);
  const lastLine = () => output.trim().split('\n').at(-1) ?? '';
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const ready = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new UserError(`${name} did not become ready within ${timeoutMs / 1000} s: ${lastLine()}`)),
      timeoutMs,
    );
    // whole lines only, per stream: a chunk may end in the middle of one
    const onData =
      (partial = { text: '' }) =>
      (d: Buffer) => {
        const text = d.toString();
        output = (output + text).slice(-20_000);
        const lines = (partial.text + text).split('\n');
        partial.text = lines.pop() ?? '';
        for (const line of lines) if (line.trim()) opts.onLine?.(line);
        const m = readyPattern.exec(output);
        if (m) {
          clearTimeout(timer);
          resolve(m[1] ?? m[0]);
        }
      };
    p.stdout.on('data', onData());
    p.stderr.on('data', onData());
    void p.then((out) => {
      clearTimeout(timer);
      // a signal, or an exit code with the last thing it said
      reject(new UserError(`${name} ended before it was ready (${howItEnded(out.exitCode, out.signal, lastLine())})`));
    });
  }).catch(async (err) => {
    await stop();
    unregister();
    throw err;
  });
  const unexpectedEnd = new Promise<string>((resolve) => {
    void p.then((out) => {
      if (!stopping) resolve(howItEnded(out.exitCode, out.signal, lastLine()));
    });
  });
  return {
    process: p,
    ready,
    exited,
    unexpectedEnd,
    stop: async () => {
      await stop();
      unregister();
    },
  };
}
