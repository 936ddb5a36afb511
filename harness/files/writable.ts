import { accessSync, constants, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../../common/user-error.ts';

const REASONS: Record<string, string> = {
  ENOTDIR: 'a part of the path is a file',
  EEXIST: 'a part of the path is a file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'read-only file system',
};
const reason = (err: unknown) => {
  const e = err as NodeJS.ErrnoException;
  return REASONS[e.code ?? ''] ?? e.code ?? e.message;
};

/**
 * Makes `dir` (and its parents) and checks that files can be written in it, so a bad --out fails in one line
 * before any work starts, not with a stack trace at the end of a long run.
 */
export function ensureWritableDir(dir: string, flag: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
  } catch (err) {
    throw new UserError(`${flag} ${dir} is not a writable folder (${reason(err)})`);
  }
}

/** The same for a file to be created or appended to: its folder must be writable, and the file too if it exists. */
export function ensureWritableFile(file: string, flag: string): void {
  try {
    mkdirSync(path.dirname(file), { recursive: true });
    const existing = statSync(file, { throwIfNoEntry: false });
    if (existing?.isDirectory()) throw new UserError(`${flag} ${file} is a folder (accepted: a file path)`);
    accessSync(existing ? file : path.dirname(file), constants.W_OK);
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`${flag} ${file} cannot be written (${reason(err)})`);
  }
}
