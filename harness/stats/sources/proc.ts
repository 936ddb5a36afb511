import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import type { ProcStats } from '../types.ts';

/**
 * CPU and I/O of the PostgreSQL server processes from /proc. Reads are synchronous on purpose: /proc files are
 * generated in memory, and reading the few dozen needed takes well under a millisecond, while the same reads
 * through the libuv thread pool took 14 ms of wall time per sample and competed with a load generator's own
 * file and DNS work when the sampler shares its process.
 *
 * Two ways to find the processes:
 * - postmasterPid: the postmaster and its children (backends, parallel workers, checkpointer, ...), found by
 *   ppid in /proc/<pid>/stat. When the postmaster reaps an exited child, the kernel adds the child's CPU time
 *   (cutime/cstime) and I/O (into the postmaster's /proc/<pid>/io; /proc/<pid>/task/<pid>/io would leave it
 *   out) to the postmaster's own figures, so postmaster + live children counts every process that ever ran,
 *   even a parallel worker that lived 200 ms between two samples. A child reaped between reading the postmaster
 *   and reading the child is missed for one sample; totals are held monotonic, so that shows as a flat step.
 * - pids(): any processes (a server we did not start): each is remembered with its last seen figures after it
 *   exits (keyed by pid and start time, so a reused pid is a new process), which misses what a process did
 *   between its last sample and its exit.
 */
export interface ProcOptions {
  postmasterPid?: number;
  pids?: () => number[];
  /** a backend to leave out while it lives (the sampler's own) */
  excludePid?: () => number | undefined;
}

interface Figures {
  cpu_ms: number;
  io: { read_bytes: number; write_bytes: number; cancelled_write_bytes: number; rchar: number; wchar: number } | null;
}

let ticksPerSecond: number | undefined;
function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100; // Linux's USER_HZ everywhere in practice
    }
  }
  return ticksPerSecond;
}

interface StatLine {
  ppid: number;
  starttime: string;
  ownTicks: number;
  childTicks: number;
}

function parseStat(text: string): StatLine | undefined {
  // the command name (field 2) may hold spaces and parentheses: fields are counted after its last ')'
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  if (rest.length < 20) return undefined;
  // rest[0] is field 3 (state): field n is rest[n - 3]
  return {
    ppid: Number(rest[1]),
    ownTicks: Number(rest[11]) + Number(rest[12]),
    childTicks: Number(rest[13]) + Number(rest[14]),
    starttime: rest[19],
  };
}

function readStat(pid: number): StatLine | undefined {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined; // exited (ENOENT/ESRCH): nothing to count any more
  }
}

/** CPU ms a process has used so far (utime + stime), or undefined when it is gone or not ours to read. */
export function processCpuMs(pid: number): number | undefined {
  const stat = readStat(pid);
  return stat ? (stat.ownTicks * 1000) / clockTicks() : undefined;
}

/** CPU seconds of a process's waited-for children (cutime + cstime): the whole run of a child that has exited. */
export function reapedChildrenCpuSeconds(pid: number): number | undefined {
  const stat = readStat(pid);
  return stat ? stat.childTicks / clockTicks() : undefined;
}

function readIo(pid: number): Figures['io'] | 'gone' | 'denied' {
  try {
    const text = readFileSync(`/proc/${pid}/io`, 'utf8');
    const v: Record<string, number> = {};
    for (const line of text.split('\n')) {
      const [k, n] = line.split(':');
      if (n !== undefined) v[k.trim()] = Number(n);
    }
    return {
      read_bytes: v.read_bytes ?? 0,
      write_bytes: v.write_bytes ?? 0,
      cancelled_write_bytes: v.cancelled_write_bytes ?? 0,
      rchar: v.rchar ?? 0,
      wchar: v.wchar ?? 0,
    };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'EACCES' || code === 'EPERM' ? 'denied' : 'gone';
  }
}

/**
 * The postmaster's children. Processes already known not to be its children (by pid and start time) are not
 * read again, so a sample reads /proc/<pid>/stat only of new processes and of the server's own.
 */
function childFinder(parent: number): () => number[] {
  const strangers = new Set<string>();
  return () => {
    const kids: number[] = [];
    const alive = new Set<string>();
    for (const e of readdirSync('/proc')) {
      if (!/^\d+$/.test(e)) continue;
      const pid = Number(e);
      // a stranger stays a stranger until its pid is reused: that needs a fresh look only if the pid is new again
      if (strangers.has(e)) {
        alive.add(e);
        continue;
      }
      const stat = readStat(pid);
      if (!stat) continue;
      if (stat.ppid === parent) kids.push(pid);
      else {
        strangers.add(e);
        alive.add(e);
      }
    }
    // forget exited strangers, so a reused pid is looked at again
    for (const e of strangers) if (!alive.has(e)) strangers.delete(e);
    return kids;
  };
}

export interface ProcSampler {
  sample(): Promise<ProcStats | null>;
  /** why figures are missing, once */
  notes: string[];
}

export function procSampler(opts: ProcOptions): ProcSampler {
  const notes: string[] = [];
  let deniedNoted = false;
  const ticks = clockTicks();
  const seen = new Map<string, Figures>(); // pids() mode: last figures of every process ever seen
  let last: ProcStats | undefined;
  const children = opts.postmasterPid ? childFinder(opts.postmasterPid) : undefined;

  const denied = () => {
    if (deniedNoted) return;
    deniedNoted = true;
    notes.push(
      '/proc/<pid>/io of the PostgreSQL processes is not readable (run as root or as their user); OS byte counts are null',
    );
  };

  function figures(pid: number, withChildren: boolean): (Figures & { key: string }) | undefined {
    const stat = readStat(pid);
    const io = readIo(pid);
    if (!stat || io === 'gone') return undefined;
    if (io === 'denied') denied();
    const t = stat.ownTicks + (withChildren ? stat.childTicks : 0);
    return { key: `${pid}:${stat.starttime}`, cpu_ms: (t * 1000) / ticks, io: io === 'denied' ? null : io };
  }

  function total(list: Figures[], processes: number): ProcStats {
    const anyIo = list.length > 0 && list.every((f) => f.io !== null);
    const sum = (k: keyof NonNullable<Figures['io']>) => (anyIo ? list.reduce((a, f) => a + f.io![k], 0) : null);
    return {
      processes,
      cpu_ms: Math.round(list.reduce((a, f) => a + f.cpu_ms, 0)),
      read_bytes: sum('read_bytes'),
      write_bytes: sum('write_bytes'),
      cancelled_write_bytes: sum('cancelled_write_bytes'),
      rchar: sum('rchar'),
      wchar: sum('wchar'),
    };
  }

  /** Counters never go down: a process missed in one sample is back (or in its parent) in the next. */
  function monotonic(cur: ProcStats): ProcStats {
    if (last) {
      const keep = (a: number | null, b: number | null) => (a === null || b === null ? a : Math.max(a, b));
      cur.cpu_ms = Math.max(cur.cpu_ms, last.cpu_ms);
      cur.read_bytes = keep(cur.read_bytes, last.read_bytes);
      cur.write_bytes = keep(cur.write_bytes, last.write_bytes);
      cur.cancelled_write_bytes = keep(cur.cancelled_write_bytes, last.cancelled_write_bytes);
      cur.rchar = keep(cur.rchar, last.rchar);
      cur.wchar = keep(cur.wchar, last.wchar);
    }
    last = cur;
    return cur;
  }

  return {
    notes,
    async sample() {
      const exclude = opts.excludePid?.();
      if (opts.postmasterPid) {
        // the postmaster first: a child reaped meanwhile is then missed once rather than counted twice
        const pm = figures(opts.postmasterPid, true);
        if (!pm) return null; // server gone
        const kids = children!().filter((p) => p !== exclude);
        const live = kids.map((p) => figures(p, false)).filter((f) => f !== undefined);
        return monotonic(total([pm, ...live], 1 + live.length));
      }
      if (opts.pids) {
        const pids = opts.pids().filter((p) => p !== exclude);
        const live = pids.map((p) => figures(p, false)).filter((f) => f !== undefined);
        for (const f of live) seen.set(f.key, f);
        if (seen.size === 0) return null;
        return monotonic(total([...seen.values()], live.length));
      }
      return null;
    },
  };
}
