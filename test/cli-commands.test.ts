// --help as the user runs it: `loadlab CMD --help`, `loadlab help CMD` and the npm scripts' files exit 0 and
// print the command's own usage; a wrong command or flag is one line and exit 1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { COMMANDS, binCommands, scriptFile } from '../harness/cli/commands.ts';
import { projectRoot } from '../harness/files/paths.ts';

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

const loadlab = path.join(projectRoot, 'bin', 'loadlab.js');

function run(cmd: string, args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: projectRoot, env: { ...process.env, CI: 'true' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGTERM'), 60_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

test('loadlab --help lists every command, and each one answers --help, -h and help CMD with exit 0', async () => {
  const index = await run(process.execPath, [loadlab, '--help']);
  assert.equal(index.code, 0, index.stderr);
  const lines = index.stdout.split('\n');
  for (const c of binCommands())
    assert.ok(
      lines.some((l) => l.startsWith(`  ${c.name} `) && l.endsWith(c.summary)),
      `${c.name} listed`,
    );
  const all = await Promise.all(
    binCommands().map(async (c) => ({ c, r: await run(process.execPath, [loadlab, c.name, '--help']) })),
  );
  for (const { c, r } of all) {
    assert.equal(r.code, 0, `${c.name}: ${r.stderr}`);
    assert.equal(r.stderr, '', `${c.name} --help says nothing on stderr (no start line)`);
    // the runner's CLI has its own usage (runner/cli.ts); the others say how they were started
    assert.match(r.stdout, c.name === 'load' ? /^usage: / : new RegExp(`^usage: loadlab ${c.name} `), c.name);
  }
  // -h and `help CMD` reach the same help (the parser's unit test covers -h for every command)
  const long = all.find(({ c }) => c.name === 'incident')!.r;
  const [short, viaHelp] = await Promise.all([
    run(process.execPath, [loadlab, 'incident', '-h']),
    run(process.execPath, [loadlab, 'help', 'incident']),
  ]);
  assert.equal(short.code, 0, short.stderr);
  assert.equal(short.stdout, long.stdout);
  assert.equal(viaHelp.code, 0, viaHelp.stderr);
  assert.equal(viaHelp.stdout, long.stdout);
});

test("the npm scripts' files answer --help in the npm form: the benchmarks, which loadlab leaves out, and one more", async () => {
  const tsx = path.join(projectRoot, 'node_modules', '.bin', 'tsx');
  const results = await Promise.all(
    COMMANDS.filter((c) => c.checkoutOnly || c.npm === 'load:incident').map(async (c) => ({
      c,
      r: await run(tsx, [scriptFile(c.npm), '--help']),
    })),
  );
  for (const { c, r } of results) {
    assert.equal(r.code, 0, `${c.npm}: ${r.stderr}`);
    assert.ok(r.stdout.startsWith(`usage: npm run ${c.npm} -- `), `${c.npm}: ${r.stdout.split('\n')[0]}`);
  }
});

test('a wrong command or flag is one line naming it, with where to look, and exit 1', async () => {
  const [cmd, flag, dash] = await Promise.all([
    run(process.execPath, [loadlab, 'incidnet']),
    run(process.execPath, [loadlab, 'incident', '--preset', 'tiny', '--qiuck']),
    run(process.execPath, [loadlab, '--verbose']),
  ]);
  assert.equal(cmd.code, 1);
  assert.match(cmd.stderr, /^error: unknown command 'incidnet' \(accepted: incident, .*\); see loadlab --help\n$/);
  assert.equal(flag.code, 1);
  // one line: the note on where data lives waits until the flags are accepted
  assert.match(flag.stderr, /^error: Unknown option '--qiuck'.*\(accepted flags: .*--quick.*\); see --help\n$/);
  assert.equal(dash.code, 1);
  assert.match(dash.stderr, /^error: '--verbose' is not a command/);
});
