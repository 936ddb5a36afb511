// A PostgreSQL that loadlab did not start: Debian's package (another major version than the embedded 18), in a
// temp folder of the test's own, run as the `postgres` user when the tests run as root, on a port from the kernel.
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freeLoopbackPort } from '../../harness/process/ports.ts';

export interface DebianPostgres {
  port: number;
  version: string;
  /** the superuser's URL to database `db` (set-up only: diagnose gets a pg_monitor role) */
  url(db?: string, user?: string, password?: string): string;
  stop(mode?: 'fast' | 'immediate'): void;
  remove(): void;
}

/** the newest Debian PostgreSQL bin folder, or undefined when the package is not installed */
export function debianPostgresBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(path.join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? path.join(root, versions[0], 'bin') : undefined;
}

const asRoot = process.getuid?.() === 0;

function run(bin: string, args: string[]): void {
  const cmd = asRoot ? 'runuser' : bin;
  const argv = asRoot ? ['-u', 'postgres', '--', bin, ...args] : args;
  const r = spawnSync(cmd, argv, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${path.basename(bin)} failed: ${r.stderr || r.stdout}`);
}

function ownedTempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'loadlab-debian-pg-'));
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  return dir;
}

export async function startDebianPostgres(settings: Record<string, string> = {}): Promise<DebianPostgres> {
  const bin = debianPostgresBin();
  if (!bin) throw new Error('Debian postgresql is not installed (apt-get install -y postgresql)');
  const dir = ownedTempDir();
  const data = path.join(dir, 'data');
  run(path.join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
  return start(bin, dir, settings);
}

/** A streaming replica of `primary` (pg_basebackup -R: a standby that follows it), with the same settings. */
export async function startDebianReplica(
  primary: DebianPostgres,
  settings: Record<string, string> = {},
): Promise<DebianPostgres> {
  const bin = debianPostgresBin()!;
  const dir = ownedTempDir();
  const args = ['-D', path.join(dir, 'data'), '-R', '-X', 'stream', '-h', '127.0.0.1', '-p', String(primary.port)];
  // -c fast: a spread checkpoint would keep the backup waiting for minutes
  run(path.join(bin, 'pg_basebackup'), [...args, '-c', 'fast', '-U', 'postgres', '--no-sync']);
  return start(bin, dir, settings);
}

async function start(bin: string, dir: string, settings: Record<string, string>): Promise<DebianPostgres> {
  const data = path.join(dir, 'data');
  const port = await freeLoopbackPort();
  const opts = {
    listen_addresses: '127.0.0.1',
    port: String(port),
    unix_socket_directories: dir,
    fsync: 'off',
    ...settings,
  };
  const o = Object.entries(opts)
    .map(([k, v]) => `-c ${k}=${v}`)
    .join(' ');
  // -w: pg_ctl waits until the server accepts connections
  run(path.join(bin, 'pg_ctl'), ['-D', data, '-w', '-t', '30', '-l', path.join(dir, 'log'), '-o', o, 'start']);
  const version = path.basename(path.dirname(bin));
  let stopped = false;
  // a test that fails or is interrupted must not leave the server running
  const atExit = () => stop('immediate');
  process.on('exit', atExit);
  const stop = (mode: 'fast' | 'immediate' = 'fast') => {
    if (stopped) return;
    stopped = true;
    process.off('exit', atExit);
    try {
      run(path.join(bin, 'pg_ctl'), ['-D', data, '-m', mode, '-w', 'stop']);
    } catch {
      /* already gone */
    }
  };
  return {
    port,
    version,
    url: (db = 'postgres', user = 'postgres', password?: string) =>
      `postgres://${user}${password ? `:${password}` : ''}@127.0.0.1:${port}/${db}`,
    stop,
    remove: () => {
      stop('immediate');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** runs set-up SQL as the superuser */
export async function admin(url: string, ...statements: string[]): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    for (const s of statements) await c.query(s);
  } finally {
    await c.end();
  }
}
