import { readFileSync } from 'node:fs';
import { UserError, describeError } from '../../common/user-error.ts';

/**
 * The allow-list names statements whose work may grow with the number of dates, each with the reason a
 * reviewer accepted (an admin export, a report over the whole series). Format, one statement per line:
 *
 *     # comment lines and blank lines are ignored
 *     <fingerprint> <reason>
 *
 * The fingerprint is the 12 hex digits growth.md and growth.json print for the statement (see fingerprint.ts:
 * it survives whitespace, comments, literals and list lengths, and is the same on every database); the reason
 * is the rest of the line and may not be empty.
 */
export type AllowList = ReadonlyMap<string, string>;

export const ALLOW_FORMAT = '<12 hex digit fingerprint> <reason>, one per line; # starts a comment';

export function parseAllowList(text: string, file: string): AllowList {
  const allowed = new Map<string, string>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = /^(\S+)(?:\s+(.*))?$/.exec(line)!;
    const [, fingerprint, reason] = m;
    const where = `${file}:${i + 1}`;
    if (!/^[0-9a-f]{12}$/.test(fingerprint))
      throw new UserError(`${where}: '${fingerprint}' is not a statement fingerprint (accepted: ${ALLOW_FORMAT})`);
    if (!reason?.trim())
      throw new UserError(`${where}: fingerprint ${fingerprint} has no reason (accepted: ${ALLOW_FORMAT})`);
    if (allowed.has(fingerprint)) throw new UserError(`${where}: fingerprint ${fingerprint} is listed twice`);
    allowed.set(fingerprint, reason.trim());
  });
  return allowed;
}

export function readAllowList(file: string): AllowList {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserError(`cannot read the allow-list ${file}: ${describeError(err).split('\n')[0]}`);
  }
  return parseAllowList(text, file);
}
