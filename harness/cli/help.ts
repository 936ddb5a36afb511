// A command's --help, written from the same declarations the parser reads (flags.ts) and the registry's line.
import { type CommandSpec, flagLabel, type FlagDef } from './flags.ts';
import { commandByNpm } from './commands.ts';

const WIDTH = 100;

let invokedAs: string | undefined;
let startNote: string | undefined;

/**
 * `loadlab NAME` sets this before it runs a command, so usage and examples read as the user typed them; its
 * note (where the data lives) is printed once the flags are accepted, so a mistake stays one line.
 */
export function setInvocation(prefix: string, note?: string): void {
  invokedAs = prefix;
  startNote = note;
}

export function invocationNote(): string | undefined {
  return startNote;
}

/** How the user starts the command: `loadlab incident` or `npm run load:incident --`. */
export function invocation(npm: string): string {
  return invokedAs ?? `npm run ${npm} --`;
}

/** The exit codes every command shares: runMain's for a user error, the cleanup handler's for a signal. */
const SHARED_EXIT_CODES: Readonly<Record<number, string>> = {
  1: 'an error, said in one line on stderr (a wrong flag or value, a failed step)',
  130: 'stopped by Ctrl-C (143 by SIGTERM) after stopping what it started',
};

function wrap(text: string, indent: number, first: number): string[] {
  const lines: string[] = [];
  let line = '';
  let room = WIDTH - first;
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > room) {
      lines.push(line);
      line = word;
      room = WIDTH - indent;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

function defaultOf(def: FlagDef): string | undefined {
  if (def.type === 'boolean') return undefined;
  if (!def.multiple && def.default !== undefined) return def.default === '' ? "''" : def.default;
  return def.defaultText;
}

/** `label  meaning`, the meanings in one column and wrapped under themselves; a long label gets a line of its own. */
export function table(rows: [string, string][]): string[] {
  const col = Math.min(30, Math.max(...rows.map(([label]) => label.length)) + 4);
  const out: string[] = [];
  for (const [label, text] of rows) {
    const body = wrap(text, col, col).map((l) => `${' '.repeat(col)}${l}`);
    if (label.length + 4 > col) out.push(`  ${label}`, ...body);
    else out.push(`  ${label.padEnd(col - 2)}${(body[0] ?? '').trimStart()}`, ...body.slice(1));
  }
  return out;
}

export function renderHelp(spec: CommandSpec): string {
  const entry = commandByNpm(spec.npm);
  const cmd = invocation(spec.npm);
  const args = [spec.usage ?? '[flags]', spec.positionals?.usage].filter(Boolean).join(' ');
  const summary = `${entry.summary[0].toUpperCase()}${entry.summary.slice(1)}.`;
  const out = [`usage: ${cmd} ${args}`, '', ...wrap(summary, 0, 0)];
  for (const para of (spec.about ?? '').split(/\n\s*\n/).filter((p) => p.trim())) out.push('', ...wrap(para, 0, 0));
  const rows: [string, string][] = [];
  if (spec.positionals) rows.push([spec.positionals.usage, spec.positionals.help]);
  for (const [name, def] of Object.entries(spec.flags)) {
    const dflt = defaultOf(def);
    rows.push([flagLabel(name, def), dflt === undefined ? def.help : `${def.help} (default: ${dflt})`]);
  }
  rows.push(['-h, --help', 'print this help and exit']);
  out.push('', spec.positionals ? 'arguments and flags:' : 'flags:', ...table(rows));
  out.push('', 'examples:', ...spec.examples.map((e) => `  ${cmd}${e ? ` ${e}` : ''}`));
  const codes = { 0: 'done', ...spec.exitCodes, ...SHARED_EXIT_CODES };
  out.push('', 'exit codes:', ...table(Object.entries(codes).map(([code, text]) => [code, text])));
  return `${out.join('\n')}\n`;
}

/** `loadlab --help`: every subcommand with its line. */
export function renderIndex(commands: readonly { name: string; summary: string }[], version: string): string {
  return [
    `loadlab ${version}: load tests and capacity checks of a pretix-shaped shop on PostgreSQL`,
    '',
    'usage: loadlab COMMAND [flags]     (loadlab COMMAND --help, or loadlab help COMMAND, for its flags)',
    '',
    'commands:',
    ...table(commands.map((c) => [c.name, c.summary])),
    '',
  ].join('\n');
}
