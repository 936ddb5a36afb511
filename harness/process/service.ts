import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { $, type ProcessPromise } from 'zx';
import { UserError } from '../../common/user-error.ts';
import { onCleanup } from './cleanup.ts';
import { projectRoot } from '../files/paths.ts';

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
const deathSignal = spawnSync('setpriv', ['--version'], { stdio: 'ignore' }).status === 0 ? ['setpriv', '--pdeathsig', 'SIGTERM', '--'] : [];

/**
 * A project command (`node --import tsx ENTRY args`) as ONE child process, whose pid is the command's own: a
 * kill of it, or of us, leaves no grandchild behind (the tsx binary would run node as a child of its own).
 */
export function projectCommand(entry: string, args: string[], opts: { env?: NodeJS.ProcessEnv; stdio?: ('ignore' | 'pipe' | 'inherit')[] } = {}): ProcessPromise {
  return $({ cwd: projectRoot, env: { ...process.env, ...opts.env }, quiet: true, nothrow: true, stdio: opts.stdio ?? ['ignore', 'pipe', 'pipe'] })`${deathSignal} ${process.execPath} --import tsx ${path.join(projectRoot, entry)} ${args}`;
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
export async function startService(name: string, entry: string, args: string[], readyPattern: RegExp, opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; onLine?: (line: string) => void } = {}): Promise<Service> {
  const p = projectCommand(entry, args, { env: opts.env });
  const exited = p.exitCode;
  let output = '';
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= stopTree(p));
  const unregister = onCleanup(name, stop);
  const lastLine = () => output.trim().split('\n').at(-1) ?? '';
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const ready = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new UserError(`${name} did not become ready within ${timeoutMs / 1000} s: ${lastLine()}`)), timeoutMs);
    const onData = (d: Buffer) => {
      const text = d.toString();
      output = (output + text).slice(-20_000);
      for (const line of text.split('\n')) if (line.trim()) opts.onLine?.(line);
      const m = readyPattern.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1] ?? m[0]);
      }
    };
    p.stdout.on('data', onData);
    p.stderr.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new UserError(`${name} exited (code ${code}) before it was ready: ${lastLine()}`));
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
