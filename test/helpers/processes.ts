import assert from 'node:assert/strict';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { projectRoot } from '../../harness/files/paths.ts';
import { nodeArgsOf, prepareEntry } from '../../harness/process/compiled-entry.ts';
import { scriptFile } from '../../harness/cli/commands.ts';
import { effectiveDataDir } from '../../harness/db/server-files.ts';
import { serverProcesses } from '../../harness/db/server-processes.ts';
import { sharedTimeout } from './timeouts.ts';

/** pids of postmasters started on this data folder (their command line names it after -D) */
export function postmastersOn(requested: string): number[] {
  const dataDir = effectiveDataDir(requested);
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      const d = args.indexOf('-D');
      if (
        d >= 0 &&
        path.resolve(args[d + 1] ?? '') === path.resolve(dataDir) &&
        args.some((a) => a.endsWith('/postgres'))
      ) {
        pids.push(Number(entry));
      }
    } catch {
      /* the process ended while we looked */
    }
  }
  return pids;
}

/** every live process of the server on this data folder: postmaster, backends, helpers (a killed postmaster's too) */
export function serverProcessesOn(requested: string): number[] {
  return serverProcesses(effectiveDataDir(requested));
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `npm run <script> -- args` in the project folder: its file as the harness starts its own children (one
 * bundle per entry, prepareEntry), not through npm and tsx, so a signal reaches the command itself, as Ctrl-C
 * reaches the whole group, and a hundred commands do not compile the sources a hundred times. The npm scripts
 * and the `loadlab` executable themselves are run by cli-commands and cli-install.
 */
export async function runCli(
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
  onStderr?: (text: string, kill: (sig: NodeJS.Signals) => void) => void,
  onStdout?: (text: string, kill: (sig: NodeJS.Signals) => void) => void,
): Promise<CliResult> {
  const start = await nodeArgsFor(scriptFile(script));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...start, ...args], {
      cwd: projectRoot,
      env: { ...process.env, CI: 'true', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
      onStdout?.(stdout, (sig) => child.kill(sig));
    });
    child.stderr.on('data', (d) => {
      stderr += d;
      onStderr?.(stderr, (sig) => child.kill(sig));
    });
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
    // a command that cannot start fails its test instead of holding it until the runner's timeout
    child.on('error', (err) => resolve({ code: null, stdout, stderr: `${stderr}${err.message}\n` }));
  });
}

/** node's arguments that start a project file as the harness starts its children: its bundle, else through tsx */
export async function nodeArgsFor(file: string): Promise<string[]> {
  await prepareEntry(file);
  return nodeArgsOf(file);
}

/** pids of processes running `entry` (e.g. scripts/shop.ts) whose environment holds `envPair` (e.g. LOADLAB_PGDATA=...) */
export function processesWith(entry: string, envPair: string): number[] {
  const pids: number[] = [];
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(entry)) continue;
      if (readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(envPair)) pids.push(Number(pid));
    } catch {
      /* gone, or not ours to read */
    }
  }
  return pids;
}

/** Runs `npm run <script>` once per case: each must exit 1 with one line on stderr matching its pattern, having started nothing. */
export async function expectUserErrors(
  script: string,
  cases: [string[], RegExp][],
  env: NodeJS.ProcessEnv = {},
): Promise<void> {
  for (const [args, expected] of cases) {
    const r = await runCli(script, args, env);
    assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `one line for ${args.join(' ')}: ${r.stderr}`);
    assert.match(lines[0], expected);
    assert.equal(r.stdout, '', 'nothing started');
  }
}

/**
 * Waits up to `waitMs` for `find` to come back empty (the last exits take a moment, longer with other test files
 * beside this one), then asserts it is.
 */
export async function expectNoneLeft(
  find: () => number[],
  what: string,
  waitMs = sharedTimeout(10_000),
): Promise<void> {
  const deadline = Date.now() + waitMs;
  while (find().length > 0 && Date.now() < deadline) await new Promise((res) => setTimeout(res, 100));
  assert.deepEqual(find(), [], what);
}

/** The postgres, shop and runner processes a command started with LOADLAB_PGDATA=`dataDir`. */
export function harnessProcesses(dataDir: string): number[] {
  const envPair = `LOADLAB_PGDATA=${dataDir}`;
  return [
    ...postmastersOn(dataDir),
    ...processesWith('scripts/shop.ts', envPair),
    ...processesWith('runner/cli.ts', envPair),
  ];
}

/** inodes of the established TCP connections (IPv4 and IPv6) in this network namespace */
function establishedSockets(): Set<string> {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue; // no IPv6 here
    }
    for (const line of text.trim().split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[3] === '01') inodes.add(cols[9]); // st 01 = ESTABLISHED; the tenth column is the socket's inode
    }
  }
  return inodes;
}

/** whether `pid` holds one of the `established` connections */
function holdsConnection(pid: number, established: Set<string>): boolean {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return false; // gone
  }
  return fds.some((fd) => {
    try {
      const socket = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      return socket !== null && established.has(socket[1]);
    } catch {
      return false; // closed meanwhile
    }
  });
}

/**
 * Resolves once the load runner a command started with LOADLAB_PGDATA=`dataDir` holds a TCP connection: the
 * runner connects to nothing but the shop it loads, and only to send its visitors' requests, so the load is
 * playing then. A kill or Ctrl-C "during the load" waits for this instead of a guess at the runner's start-up,
 * which a busy machine makes longer and a quiet one shorter. Rejects after `timeoutMs`.
 */
export async function loadPlaying(dataDir: string, timeoutMs = 90_000): Promise<void> {
  const envPair = `LOADLAB_PGDATA=${dataDir}`;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const runners = processesWith('runner/cli.ts', envPair);
    if (runners.length > 0) {
      const established = establishedSockets();
      if (runners.some((pid) => holdsConnection(pid, established))) return;
    }
    await new Promise((res) => setTimeout(res, 25));
  }
  throw new Error(`no load runner of ${dataDir} connected to its shop within ${timeoutMs / 1000} s`);
}

/**
 * Kills the shop with SIGKILL once the load is playing (`loadPlaying`). Call `start()` when the command says its
 * load is about to begin; `killed` lists what was killed, `failed` why nothing was.
 */
export function shopKiller(dataDir: string): { start(): void; killed: number[]; failed: string } {
  const envPair = `LOADLAB_PGDATA=${dataDir}`;
  const state = { killed: [] as number[], failed: '', start: () => {} };
  let started = false;
  state.start = () => {
    if (started) return;
    started = true;
    loadPlaying(dataDir).then(
      () => {
        const shop = processesWith('scripts/shop.ts', envPair);
        state.killed.push(...shop);
        for (const pid of shop) process.kill(pid, 'SIGKILL');
      },
      (err: Error) => {
        state.failed = err.message;
      },
    );
  };
  return state;
}

/** A user mistake's stderr: exactly one line, starting "error: ", without a stack trace; that line. */
export function oneErrorLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line, got:\n${stderr}`);
  assert.match(lines[0], /^error: /);
  assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
  return lines[0];
}
