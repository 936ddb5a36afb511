import { realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UserError } from '../../common/user-error.ts';
import { runCleanups, wasSignalled } from '../process/cleanup.ts';
import { type CommandSpec, type FlagDefs, type FlagValues, parseFlags } from './flags.ts';
import { invocationNote, renderHelp } from './help.ts';

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

/**
 * A command's whole life: --help or -h prints the help made from its declaration and exits 0; otherwise the
 * flags are parsed from the same declaration and the body runs under runMain. Only when `moduleUrl` is the
 * file node was started with (npm run, or `loadlab` which sets process.argv[1] to it): a test or the registry
 * may import a command for its declaration without running it.
 */
export async function runCommand<F extends FlagDefs>(
  moduleUrl: string,
  spec: CommandSpec<F>,
  // biome-ignore lint/suspicious/noConfusingVoidType: a command body that returns nothing exits 0
  body: (args: { values: FlagValues<F>; positionals: string[] }) => Promise<number | void>,
): Promise<void> {
  if (!isEntry(moduleUrl)) return;
  await runMain(async () => {
    const parsed = parseFlags(spec, process.argv.slice(2));
    if (parsed.help) {
      process.stdout.write(renderHelp(spec));
      return 0;
    }
    const note = invocationNote();
    if (note) process.stderr.write(`${note}\n`);
    return body(parsed);
  });
}

function isEntry(moduleUrl: string): boolean {
  const started = process.argv[1];
  if (!started) return false;
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return path.resolve(p);
    }
  };
  return real(path.resolve(started)) === real(fileURLToPath(moduleUrl));
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** node's parseArgs, with its errors turned into one-line user errors (runCommand adds --help; prefer it). */
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
