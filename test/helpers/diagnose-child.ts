// npm run diagnose as an operator runs it: a child process whose JSON lines and notes the tests read as they come.
import { spawn, type ChildProcess } from 'node:child_process';
import { projectRoot } from '../../harness/files/paths.ts';
import type { DiagnoseLine } from '../../harness/stats/live/types.ts';
import { nodeArgsFor } from './processes.ts';

export interface DiagnoseChild {
  child: ChildProcess;
  lines: DiagnoseLine[];
  stdout(): string;
  stderr(): string;
  /** resolves with the first line (parsed) for which `check` holds, or rejects after timeoutMs */
  waitFor(check: (l: DiagnoseLine) => boolean, timeoutMs: number): Promise<DiagnoseLine>;
  /** resolves when stderr matches */
  waitForNote(re: RegExp, timeoutMs: number): Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const diagnoseStart = await nodeArgsFor('scripts/diagnose.ts');

export function startDiagnose(args: string[]): DiagnoseChild {
  const env: NodeJS.ProcessEnv = { ...process.env, CI: 'true' };
  delete env.DATABASE_URL;
  const child = spawn(process.execPath, [...diagnoseStart, ...args], {
    cwd: projectRoot,
    env,
  });
  let out = '';
  let err = '';
  const lines: DiagnoseLine[] = [];
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const l of [...listeners]) l();
  };
  child.stdout!.on('data', (d) => {
    out += d;
    const parts = out.split('\n');
    const complete = parts.slice(0, -1).filter((p) => p.startsWith('{'));
    lines.length = 0;
    for (const p of complete) lines.push(JSON.parse(p) as DiagnoseLine);
    notify();
  });
  child.stderr!.on('data', (d) => {
    err += d;
    notify();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      notify();
      resolve({ code, signal });
    }),
  );
  const until = <T>(probe: () => T | undefined, timeoutMs: number, what: string) =>
    new Promise<T>((resolve, reject) => {
      const check = () => {
        const v = probe();
        if (v !== undefined) {
          done();
          resolve(v);
        } else if (child.exitCode !== null) {
          done();
          reject(new Error(`diagnose ended (${child.exitCode}) before ${what}: ${err}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no ${what} within ${timeoutMs} ms; stderr: ${err}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        listeners.delete(check);
      };
      listeners.add(check);
      check();
    });
  return {
    child,
    lines,
    stdout: () => out,
    stderr: () => err,
    waitFor: (check, timeoutMs) => until(() => lines.find(check), timeoutMs, 'matching line'),
    waitForNote: (re, timeoutMs) =>
      until(() => (re.test(err) ? true : undefined), timeoutMs, `note ${re}`).then(() => {}),
    exited,
  };
}
