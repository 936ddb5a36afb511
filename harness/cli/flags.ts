// One declaration per flag feeds both the parser and the help, so what a command accepts and what its help
// says cannot drift apart.
import { parseArgs } from 'node:util';
import { UserError } from '../../common/user-error.ts';

interface FlagBase {
  /** one letter, used as -x */
  short?: string;
  /** what the flag does, as the help prints it beside the flag */
  help: string;
}

export interface StringFlag extends FlagBase {
  type: 'string';
  multiple?: false;
  /** the value's placeholder in the help: N, P, DIR */
  arg: string;
  default?: string;
  /** the default in words, when it is not one fixed value (calibrated, depends on --quick, a folder) */
  defaultText?: string;
}

export interface ListFlag extends FlagBase {
  type: 'string';
  multiple: true;
  arg: string;
  defaultText?: string;
}

/** A switch: off unless given. */
export interface BooleanFlag extends FlagBase {
  type: 'boolean';
}

export type FlagDef = StringFlag | ListFlag | BooleanFlag;
export type FlagDefs = Readonly<Record<string, FlagDef>>;

/** What the parser hands the command: a string flag with a default is always there, a switch is true or false. */
export type FlagValues<F extends FlagDefs> = {
  [K in keyof F]: F[K] extends BooleanFlag
    ? boolean
    : F[K] extends ListFlag
      ? string[]
      : F[K] extends { default: string }
        ? string
        : string | undefined;
};

export interface Positionals {
  /** as the usage line shows them, e.g. DIR or SCRIPT */
  usage: string;
  /** what they are, for the help and for a wrong count */
  help: string;
  min: number;
  max: number;
}

export interface CommandSpec<F extends FlagDefs = FlagDefs> {
  /** the npm script's name: the registry (commands.ts) gives its subcommand and one-line summary */
  npm: string;
  /** what the usage line shows after the command when it is not just [flags], e.g. '--variant V [flags]' */
  usage?: string;
  positionals?: Positionals;
  /** paragraphs after the summary: what the command does, what it needs */
  about?: string;
  flags: F;
  /** arguments only (the help puts the command in front); each is parsed by the tests with these flags */
  examples: string[];
  /** the codes beyond 1 (an error) and 130/143 (stopped by a signal), which every command shares */
  exitCodes: Readonly<Record<number, string>>;
}

/** Keeps the flags' literal types, so the parser's values are typed from the declaration. */
export function defineCommand<const F extends FlagDefs>(spec: CommandSpec<F>): CommandSpec<F> {
  for (const name of Object.keys(spec.flags))
    if (name === 'help' || spec.flags[name].short === 'h')
      throw new Error(`${spec.npm}: --help and -h are every command's own, not a flag to declare`);
  return spec;
}

export type Parsed<F extends FlagDefs> = { help: true } | { help: false; values: FlagValues<F>; positionals: string[] };

/** --help and -h, which every command takes: asked for anywhere on the line, the help wins over any mistake. */
export function asksForHelp(argv: readonly string[]): boolean {
  const end = argv.indexOf('--');
  return (end === -1 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

export function flagLabel(name: string, def: FlagDef): string {
  const long = def.type === 'boolean' ? `--${name}` : `--${name} ${def.arg}`;
  return def.short ? `-${def.short}, ${long}` : long;
}

/** node's parseArgs over the declared flags; a mistake is one line naming it, the accepted flags and --help. */
export function parseFlags<F extends FlagDefs>(spec: CommandSpec<F>, argv: readonly string[]): Parsed<F> {
  if (asksForHelp(argv)) return { help: true };
  const options: NonNullable<Parameters<typeof parseArgs>[0]>['options'] = {};
  for (const [name, def] of Object.entries(spec.flags)) {
    options[name] = {
      type: def.type,
      ...(def.short ? { short: def.short } : {}),
      ...(def.type === 'string' && def.multiple ? { multiple: true } : {}),
      ...(def.type === 'boolean' ? { default: false } : {}),
      ...(def.type === 'string' && !def.multiple && def.default !== undefined ? { default: def.default } : {}),
    };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: spec.positionals !== undefined });
  } catch (err) {
    throw new UserError(
      `${(err as Error).message.split('\n')[0]} (accepted flags: ${acceptedFlags(spec)}); see --help`,
    );
  }
  const pos = spec.positionals;
  if (pos && (parsed.positionals.length < pos.min || parsed.positionals.length > pos.max)) {
    const got = parsed.positionals.length === 0 ? 'none' : parsed.positionals.join(' ');
    throw new UserError(`expected ${pos.usage}: ${pos.help}; got ${got}; see --help`);
  }
  return { help: false, values: parsed.values as FlagValues<F>, positionals: parsed.positionals };
}

export function acceptedFlags(spec: CommandSpec): string {
  return [...Object.keys(spec.flags), 'help'].map((k) => `--${k}`).join(', ');
}
