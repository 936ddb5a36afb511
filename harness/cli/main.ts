import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UserError } from '../../common/user-error.ts';
import { runCleanups, wasSignalled } from '../process/cleanup.ts';

/**
 * Runs a command's body: a UserError becomes one line on stderr and its exit code; anything else is a bug
 * and keeps its stack. Cleanups (servers started) always run before the process exits.
 */
// biome-ignore lint/suspicious/noConfusingVoidType: a command body that returns nothing exits 0
export async function runMain(body: () => Promise<number | void>): Promise<never> {
  let code = 0;
  try {
    code = (await body()) ?? 0;
  } catch (err) {
    if (wasSignalled()) {
      await runCleanups();
      // the signal handler decides the exit code
      return new Promise<never>(() => {});
    }
    if (err instanceof UserError) {
      process.stderr.write(`error: ${err.message}\n`);
      code = err.exitCode;
    } else {
      process.stderr.write(`internal error: ${(err as Error)?.stack ?? String(err)}\n`);
      code = 1;
    }
  }
  await runCleanups();
  process.exit(code);
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** node's parseArgs, with its errors turned into one-line user errors. */
export function parseCli<O extends Options>(
  options: O,
  argv: string[] = process.argv.slice(2),
  allowPositionals = false,
) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals });
  } catch (err) {
    const accepted = Object.keys(options)
      .map((k) => `--${k}`)
      .join(', ');
    throw new UserError(`${(err as Error).message.split('\n')[0]} (accepted flags: ${accepted})`);
  }
}

export function parseIntFlag(
  name: string,
  value: string | undefined,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value.trim()))
    throw new UserError(`--${name} '${value}' is not a whole number (accepted: ${min} to ${max})`);
  const n = Number(value);
  if (n < min || n > max) throw new UserError(`--${name} ${value} is out of range (accepted: ${min} to ${max})`);
  return n;
}

export function parseNumberFlag(
  name: string,
  value: string | undefined,
  check: (n: number) => boolean,
  accepted: string,
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || !check(n))
    throw new UserError(`--${name} '${value}' is not valid (accepted: ${accepted})`);
  return n;
}
