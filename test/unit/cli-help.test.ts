// Every command's --help is written from the declaration its parser reads: these check, per command, that the
// help names every flag the parser accepts with its meaning and default, that the examples parse, and that the
// registry, package.json and the command files agree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { COMMANDS, scriptFile } from '../../harness/cli/commands.ts';
import { type CommandSpec, parseFlags } from '../../harness/cli/flags.ts';
import { renderHelp } from '../../harness/cli/help.ts';
import { projectRoot } from '../../harness/files/paths.ts';
import { UserError } from '../../common/user-error.ts';

const pkg = JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
};

/** The commands declared with defineCommand: importing them gives their declaration without running them. */
async function declared(): Promise<{ npm: string; spec: CommandSpec }[]> {
  const out: { npm: string; spec: CommandSpec }[] = [];
  for (const c of COMMANDS) {
    const file = scriptFile(c.npm);
    if (!file.startsWith('scripts/')) continue; // the runner's CLI is its own (runner/cli.ts)
    const mod = (await import(pathToFileURL(path.join(projectRoot, file)).href)) as { command?: CommandSpec };
    assert.ok(mod.command, `${file} exports no 'command' declaration`);
    out.push({ npm: c.npm, spec: mod.command });
  }
  return out;
}

/** What the parser itself says it accepts, from the one-line error a wrong flag gets. */
function acceptedByParser(spec: CommandSpec): string[] {
  try {
    parseFlags(spec, ['--surely-not-a-flag']);
  } catch (err) {
    assert.ok(err instanceof UserError);
    assert.doesNotMatch(err.message, /\n/, 'one line');
    assert.match(err.message, /see --help$/);
    const list = /accepted flags: ([^)]*)\)/.exec(err.message)?.[1];
    assert.ok(list, err.message);
    return list.split(', ');
  }
  assert.fail('an unknown flag was accepted');
}

test('every command file is in the registry and every registry line has a command file', () => {
  const commandScripts = Object.entries(pkg.scripts)
    .filter(([, line]) => /^(tsx|node --import tsx) (scripts\/[\w-]+|runner\/cli)\.ts$/.test(line))
    .map(([npm]) => npm)
    .sort();
  assert.deepEqual(COMMANDS.map((c) => c.npm).sort(), commandScripts);
  assert.equal(new Set(COMMANDS.map((c) => c.name)).size, COMMANDS.length, 'subcommand names are unique');
  for (const c of COMMANDS) assert.doesNotThrow(() => scriptFile(c.npm));
});

test("each command's help names every flag its parser accepts, with meaning and default", async () => {
  const all = await declared();
  assert.ok(all.length >= 13, `${all.length} commands declared`);
  for (const { npm, spec } of all) {
    assert.equal(spec.npm, npm, `${npm}'s file declares itself as ${spec.npm}`);
    const help = renderHelp(spec);
    const accepted = acceptedByParser(spec);
    assert.deepEqual(accepted.sort(), [...Object.keys(spec.flags), 'help'].map((f) => `--${f}`).sort(), npm);
    for (const flag of accepted) assert.match(help, new RegExp(`(^|[ ,])${flag}( |$)`, 'm'), `${npm}: ${flag}`);
    for (const [name, def] of Object.entries(spec.flags)) {
      assert.ok(def.help.length > 10, `${npm} --${name} says what it does`);
      if (def.short) assert.match(help, new RegExp(`-${def.short}, --${name}`), `${npm} -${def.short}`);
      if (def.type === 'boolean') continue;
      const dflt = def.multiple ? def.defaultText : (def.default ?? def.defaultText);
      assert.ok(dflt !== undefined, `${npm} --${name} states its default`);
      assert.ok(help.replace(/\s+/g, ' ').includes(`(default: ${dflt})`), `${npm} --${name} default shown`);
    }
    for (const section of ['usage: npm run ', 'examples:', 'exit codes:', '-h, --help'])
      assert.ok(help.includes(section), `${npm} help has ${section}`);
    assert.match(help, /^ {2}1 {2,}an error/m, `${npm} lists exit code 1`);
  }
});

test('the examples in each help parse with the same declaration, and --help / -h win anywhere', async () => {
  for (const { npm, spec } of await declared()) {
    assert.ok(spec.examples.length >= 1, `${npm} has an example`);
    for (const example of spec.examples) {
      const parsed = parseFlags(spec, example.split(' ').filter(Boolean));
      assert.equal(parsed.help, false, `${npm} ${example}`);
    }
    assert.equal(parseFlags(spec, ['--help']).help, true);
    assert.equal(parseFlags(spec, ['-h']).help, true);
    assert.equal(parseFlags(spec, ['--surely-not-a-flag', '-h']).help, true, 'help wins over a mistake');
  }
});

test('defaults reach the command, switches are false unless given, a wrong value is one line', async () => {
  const incident = (await declared()).find((d) => d.npm === 'load:incident')!.spec;
  const parsed = parseFlags(incident, ['--quick']);
  assert.equal(parsed.help, false);
  if (parsed.help) return;
  assert.equal(parsed.values.preset, 'incident');
  assert.equal(parsed.values.quick, true);
  assert.equal(parsed.values.multiplier, '3');
  assert.equal(parsed.values['baseline-rate'], undefined);
  const off = parseFlags(incident, []);
  assert.equal(!off.help && off.values.quick, false);
  assert.throws(() => parseFlags(incident, ['--preset']), { message: /argument missing.*see --help$/ });
  const report = (await declared()).find((d) => d.npm === 'report')!.spec;
  assert.throws(() => parseFlags(report, []), { message: /^expected DIR: .*; got none; see --help$/ });
  assert.throws(() => parseFlags(report, ['a', 'b']), { message: /got a b; see --help$/ });
});
