import { existsSync } from 'node:fs';
import { $ } from 'zx';
import { UserError } from '../../common/user-error.ts';
import { projectRoot } from '../files/paths.ts';
import { deathSignal, superviseService, type Service, type SuperviseOptions } from './service.ts';

/** A program a Debian package installs, or a one-line error naming the package (and what else would do). */
export function debianProgram(file: string, pkg: string, orElse?: string): string {
  if (!existsSync(file))
    throw new UserError(
      `${file} not found: install Debian's ${pkg} (apt-get install ${pkg})${orElse ? `, or ${orElse}` : ''}`,
    );
  return file;
}

/**
 * Starts a program that must never outlive the harness (redis-server, haproxy): like a project command it runs
 * under setpriv --pdeathsig, so the kernel stops it when the harness ends, even by SIGKILL, as the embedded
 * PostgreSQL does. Ready when a line of its output matches `readyPattern`; stopped with the cleanups.
 */
export function startGuarded(
  name: string,
  argv: string[],
  readyPattern: RegExp,
  opts: SuperviseOptions & { env?: NodeJS.ProcessEnv } = {},
): Promise<Service> {
  const p = $({
    cwd: projectRoot,
    env: { ...process.env, ...opts.env },
    quiet: true,
    nothrow: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  })`${deathSignal} ${argv}`;
  return superviseService(name, p, readyPattern, opts);
}
