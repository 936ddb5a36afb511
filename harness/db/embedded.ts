import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, chownSync, statSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { UserError } from '../../common/user-error.ts';
import { onCleanup } from '../process/cleanup.ts';
import { serverSettings } from './settings.ts';
import { binaries, effectiveDataDir, runAsUser, type RunAs } from './server-files.ts';
import { freeLoopbackPort } from '../process/ports.ts';
import { pidAlive, reapServerProcesses } from './server-processes.ts';
import { diskFloor, diskSpace, sizeTempFileLimit } from './disk.ts';
import { DEFAULT_POOL_SIZE } from '../../shop/db.ts';

export interface EmbeddedServer {
  url: string;
  port: number;
  dataDir: string;
  /** pid of the postmaster; its children are the backends */
  pid: number;
  /** false when another loadlab process started this server and we only attached to it */
  owned: boolean;
  /** how temp_file_limit was set, for the run's facts */
  tempFileLimitBasis: string;
  /** how the server ended when it ended without stop() (killed, crashed), else undefined; undefined when not owned */
  unexpectedEnd(): string | undefined;
  /**
   * temp_file_limit for a session that spills alone (an EXPLAIN after the load): the whole free space above the
   * floor, measured now. Undefined when LOADLAB_PG_SETTINGS chose the limit.
   */
  soloTempFileLimit(): string | undefined;
  /** the server's stderr log (the growth audit reads auto_explain's plans from it) */
  logFile: string;
  /** `fast`: no smart shutdown first, as `pg_ctl restart` (fast by default) ends an operator's server */
  stop(mode?: 'fast'): Promise<void>;
}

/**
 * A server already running on this data folder (started by another loadlab command) is reused, not restarted.
 * `stale` is the pid of a postmaster that left its pid file behind (killed, crashed): that start recovers.
 */
function runningServer(dataDir: string): { pid: number; port: number } | { stale: number } | undefined {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const lines = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (pid && !pidAlive(pid)) return { stale: pid };
  if (!pid || !port) return undefined;
  const status = lines[7]?.trim();
  if (status && status !== 'ready') return undefined;
  return { pid, port };
}

function ensureOwned(dir: string, runAs: RunAs | undefined): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (runAs && statSync(dir).uid !== runAs.uid) chownSync(dir, runAs.uid, runAs.gid);
}

/** where the server started on `dataDir` writes its log: beside the data folder, not inside it */
function serverLogFile(dataDir: string): string {
  return path.join(path.dirname(dataDir), `${path.basename(dataDir)}.log`);
}

function logTail(logFile: string): string {
  try {
    const lines = readFileSync(logFile, 'utf8').trim().split('\n');
    const interesting = lines.filter((l) => /FATAL|ERROR|PANIC|could not|No space/i.test(l));
    return (interesting.at(-1) ?? lines.at(-1) ?? '').trim();
  } catch {
    return '';
  }
}

function spawnAs(bin: string, args: string[], runAs: RunAs | undefined, logFile: string): ChildProcess {
  const fd = openSync(logFile, 'a');
  if (runAs) chownSync(logFile, runAs.uid, runAs.gid);
  // setpriv's --pdeathsig makes the server stop itself (SIGINT = fast shutdown) if this process dies without
  // cleaning up, even on SIGKILL: there is never an orphan postgres.
  const wrapped = ['--pdeathsig', 'SIGINT'];
  if (runAs) wrapped.push('--reuid', String(runAs.uid), '--regid', String(runAs.gid), '--init-groups');
  const child = spawn('setpriv', [...wrapped, '--', bin, ...args], {
    stdio: ['ignore', fd, fd],
    env: { ...process.env, LC_ALL: 'C', LANG: 'C' },
  });
  closeSync(fd);
  return child;
}

async function waitReady(url: string, child: ChildProcess, logFile: string, timeoutMs: number): Promise<void> {
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited !== undefined) {
      throw new UserError(
        `embedded PostgreSQL did not start (exit ${exited}): ${logTail(logFile) || 'see ' + logFile}`,
      );
    }
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
    try {
      await client.connect();
      await client.end();
      return;
    } catch {
      await client.end().catch(() => {});
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  child.kill('SIGQUIT');
  throw new UserError(
    `embedded PostgreSQL did not accept connections within ${timeoutMs / 1000}s: ${logTail(logFile) || 'see ' + logFile}`,
  );
}

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

/** sessions that can spill at once: the shop's whole pool, and one more (EXPLAIN, calibration's own) */
const SPILL_SESSIONS = DEFAULT_POOL_SIZE + 1;

/** The server's settings, with temp_file_limit sized from the data folder's disk unless LOADLAB_PG_SETTINGS sets it. */
function settingsFor(dataDir: string): { settings: Record<string, string>; tempFileLimitBasis: string } {
  const settings = serverSettings();
  if (settings.temp_file_limit !== undefined) return { settings, tempFileLimitBasis: 'LOADLAB_PG_SETTINGS' };
  const space = diskSpace(dataDir);
  const limit = sizeTempFileLimit(space, diskFloor(space.total), SPILL_SESSIONS);
  return { settings: { ...settings, temp_file_limit: `${limit.kB}kB` }, tempFileLimitBasis: limit.basis };
}

function soloTempFileLimit(dataDir: string): string | undefined {
  if (serverSettings().temp_file_limit !== undefined) return undefined;
  const space = diskSpace(dataDir);
  return `${sizeTempFileLimit(space, diskFloor(space.total), 1).kB}kB`;
}

/** Stopping the server we started, and noticing when it ends without being asked (killed, crashed). */
function supervise(
  child: ChildProcess,
  dataDir: string,
  logFile: string,
): { stop: (mode?: 'fast') => Promise<void>; unexpectedEnd: () => string | undefined } {
  let stopped = false;
  let ended: string | undefined;
  child.once('exit', (code, signal) => {
    if (!stopped)
      ended = signal ? `killed by ${signal}` : `exit ${code}${logTail(logFile) ? `: ${logTail(logFile)}` : ''}`;
  });
  const stop = async (mode?: 'fast') => {
    if (stopped) return;
    stopped = true;
    if (ended !== undefined) {
      // killed or crashed: no shutdown to ask for, but its backends must not outlive this process
      await reapServerProcesses(dataDir, 5_000);
      return;
    }
    // smart shutdown first: sessions that are closing (a pool just ended) finish cleanly instead of being
    // cut with 'terminating connection due to administrator command'; then fast shutdown for the rest
    if (mode !== 'fast') {
      child.kill('SIGTERM');
      if (await waitExit(child, 1_500)) return;
    }
    child.kill('SIGINT');
    if (await waitExit(child, 15_000)) return;
    child.kill('SIGQUIT');
    if (await waitExit(child, 5_000)) return;
    child.kill('SIGKILL');
    await waitExit(child, 5_000);
  };
  return { stop, unexpectedEnd: () => ended };
}

export interface EmbeddedOptions {
  dataDir: string;
  port?: number;
  database?: string;
  log?: (line: string) => void;
  /** settings over the defaults for this server alone (a primary's replication, a replica's standby settings) */
  settings?: Record<string, string>;
}

export async function startEmbedded(opts: EmbeddedOptions): Promise<EmbeddedServer> {
  const dataDir = effectiveDataDir(opts.dataDir);
  if (dataDir !== path.resolve(opts.dataDir))
    opts.log?.(
      `note: the 'postgres' user cannot enter ${path.dirname(path.resolve(opts.dataDir))}; the embedded server keeps its data in ${dataDir}`,
    );
  const database = opts.database ?? 'loadlab';

  const logFile = serverLogFile(dataDir);
  const existing = runningServer(dataDir);
  if (existing && 'port' in existing) {
    const url = `postgres://postgres@127.0.0.1:${existing.port}/${database}`;
    opts.log?.(`using the embedded PostgreSQL already running on port ${existing.port} (pid ${existing.pid})`);
    await ensureDatabase(existing.port, database);
    const tempFileLimitBasis = `set when the running server (pid ${existing.pid}) started`;
    return {
      url,
      port: existing.port,
      dataDir,
      pid: existing.pid,
      owned: false,
      logFile,
      tempFileLimitBasis,
      unexpectedEnd: () => undefined,
      soloTempFileLimit: () => soloTempFileLimit(dataDir),
      stop: async () => {},
    };
  }
  if (existing) {
    opts.log?.(
      `the embedded PostgreSQL did not shut down cleanly (pid ${existing.stale} is gone: killed or crashed); it recovers from its write-ahead log on this start`,
    );
    // backends of a killed postmaster still hold its shared memory until they end: a start before that fails
    await reapServerProcesses(dataDir, 10_000);
  }

  const runAs = runAsUser();
  const bin = await binaries(runAs);
  mkdirSync(path.dirname(dataDir), { recursive: true, mode: 0o755 });

  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    ensureOwned(dataDir, runAs);
    opts.log?.(`initialising embedded PostgreSQL in ${dataDir}`);
    // Trust on loopback only: the server listens on 127.0.0.1 and no unix socket, for this harness alone.
    const init = spawnAs(
      bin.initdb,
      ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-sync'],
      runAs,
      logFile,
    );
    const code = await new Promise<number | null>((r) => init.once('exit', r));
    if (code !== 0) throw new UserError(`initdb failed for ${dataDir} (exit ${code}): ${logTail(logFile)}`);
  }

  const port = opts.port ?? (await freeLoopbackPort());
  const sized = settingsFor(dataDir);
  const settings = { ...sized.settings, ...opts.settings };
  const { tempFileLimitBasis } = sized;
  const args = [
    '-D',
    dataDir,
    '-p',
    String(port),
    ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
  ];
  const child = spawnAs(bin.postgres, args, runAs, logFile);
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const { stop, unexpectedEnd } = supervise(child, dataDir, logFile);
  const unregister = onCleanup('embedded PostgreSQL', stop);

  try {
    await waitReady(url, child, logFile, 60_000);
  } catch (err) {
    await stop();
    unregister();
    throw err;
  }
  await ensureDatabase(port, database);
  const pid = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  opts.log?.(`embedded PostgreSQL ready on 127.0.0.1:${port} (pid ${pid})`);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/${database}`,
    port,
    dataDir,
    pid,
    owned: true,
    tempFileLimitBasis,
    unexpectedEnd,
    soloTempFileLimit: () => soloTempFileLimit(dataDir),
    logFile,
    stop: async (mode?: 'fast') => {
      await stop(mode);
      unregister();
    },
  };
}

async function ensureDatabase(port: number, database: string): Promise<void> {
  const admin = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount)
      await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`).catch((err: { code?: string }) => {
        if (err.code !== '42P04') throw err; // created meanwhile by a concurrent command
      });
  } finally {
    await admin.end();
  }
}
