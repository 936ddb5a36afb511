import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { UserError } from './errors.ts';
import { onCleanup } from './cleanup.ts';
import { projectRoot } from './paths.ts';

export interface Service {
  child: ChildProcess;
  /** the first capture group of the ready pattern (e.g. the URL it listens on) */
  ready: string;
  stop(): Promise<void>;
  exited: Promise<number | null>;
}

/**
 * Starts a project command (tsx ENTRY args) as a child process and waits until a line of its output matches
 * `readyPattern`. It is stopped on cleanup (exit, error, Ctrl-C) with SIGTERM, then SIGKILL.
 */
export async function startService(name: string, entry: string, args: string[], readyPattern: RegExp, opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; onLine?: (line: string) => void } = {}): Promise<Service> {
  const tsx = path.join(projectRoot, 'node_modules', '.bin', 'tsx');
  const child = spawn(tsx, [path.join(projectRoot, entry), ...args], { cwd: projectRoot, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let output = '';
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (child.exitCode !== null) return;
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(t);
  };
  const unregister = onCleanup(name, stop);
  const ready = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new UserError(`${name} did not become ready within ${(opts.timeoutMs ?? 60_000) / 1000} s: ${output.trim().split('\n').at(-1) ?? ''}`)), opts.timeoutMs ?? 60_000);
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
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new UserError(`${name} exited (code ${code}) before it was ready: ${output.trim().split('\n').at(-1) ?? ''}`));
    });
  }).catch(async (err) => {
    await stop();
    unregister();
    throw err;
  });
  return {
    child,
    ready,
    exited,
    stop: async () => {
      await stop();
      unregister();
    },
  };
}
