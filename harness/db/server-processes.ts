import { readdirSync, readlinkSync } from 'node:fs';
import path from 'node:path';

/** the process exists (EPERM: it does, but belongs to another user, as the postgres server does for us) */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Every process of a PostgreSQL server on `dataDir`: the postmaster, its backends and helpers all run with the
 * data folder as their working directory, and keep it when the postmaster is gone (a backend outlives a killed
 * postmaster until its query ends). Their command lines name no folder, so the working directory is the mark.
 */
export function serverProcesses(dataDir: string): number[] {
  const wanted = path.resolve(dataDir);
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readlinkSync(`/proc/${entry}/cwd`) === wanted) pids.push(Number(entry));
    } catch {
      /* ended while we looked, or not ours to read */
    }
  }
  return pids;
}

/** Waits until no process of the server remains, up to `ms`; then kills what is left. Returns the pids killed. */
export async function reapServerProcesses(dataDir: string, ms: number): Promise<number[]> {
  const deadline = Date.now() + ms;
  while (serverProcesses(dataDir).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const left = serverProcesses(dataDir);
  for (const pid of left) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone meanwhile */
    }
  }
  return left;
}
