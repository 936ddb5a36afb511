// `loadlab COMMAND [flags]`: finds the command in the registry and runs the npm script's own file in this
// process, with process.argv as `npm run` would give it, so both ways run the same code and the same parser.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { binCommands, type CommandEntry, scriptFile } from '../harness/cli/commands.ts';
import { renderIndex, setInvocation } from '../harness/cli/help.ts';
import { defaultDataDir, redact } from '../harness/db/database.ts';
import { installed, projectRoot, reportsDir } from '../harness/files/paths.ts';

const version = (JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { version: string })
  .version;

function fail(message: string): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(1);
}

function find(name: string): CommandEntry {
  const entry = binCommands().find((c) => c.name === name);
  if (!entry)
    fail(
      `unknown command '${name}' (accepted: ${binCommands()
        .map((c) => c.name)
        .join(', ')}); see loadlab --help`,
    );
  return entry;
}

/** Where this run keeps its data, said once at the start: from a package it is not the folder it was installed in. */
function stateLine(): string {
  const data = defaultDataDir(); // reads .env first, as the command will
  const reports = installed ? `./${path.relative(process.cwd(), reportsDir)}` : reportsDir;
  const external = process.env.DATABASE_URL?.trim();
  const shown = external && redactQuietly(external);
  const db = external
    ? `database from DATABASE_URL${shown ? ` (${shown})` : ''}`
    : `embedded PostgreSQL data in ${data}`;
  return `loadlab ${version}: ${db}, reports in ${reports}/`;
}

/** A malformed DATABASE_URL is the command's to report, in its own words. */
function redactQuietly(url: string): string | undefined {
  try {
    return redact(url);
  } catch {
    return undefined;
  }
}

async function run(entry: CommandEntry, args: string[]): Promise<void> {
  const file = path.join(projectRoot, scriptFile(entry.npm));
  setInvocation(`loadlab ${entry.name}`, entry.stateless ? undefined : stateLine());
  process.argv = [process.argv[0], file, ...args];
  await import(pathToFileURL(file).href);
}

const [first, ...rest] = process.argv.slice(2);
if (first === undefined || first === '--help' || first === '-h') {
  process.stdout.write(renderIndex(binCommands(), version));
} else if (first === '--version' || first === '-V') {
  process.stdout.write(`${version}\n`);
} else if (first === 'help') {
  if (rest.length === 0) process.stdout.write(renderIndex(binCommands(), version));
  else await run(find(rest[0]), ['--help']);
} else if (first.startsWith('-')) {
  fail(`'${first}' is not a command (accepted: a command, --help, --version); see loadlab --help`);
} else {
  await run(find(first), rest);
}
