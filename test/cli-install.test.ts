// `loadlab` as an operator gets it: `npm pack`, installed into a prefix of its own, run from an empty folder with
// nothing of the repository around. A tiny incident run proves the parts that read the package's own files at run
// time (the embedded PostgreSQL's binaries, the schema, the shop, the runner and the k6 scripts, the report).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { binCommands } from '../harness/cli/commands.ts';
import { projectRoot } from '../harness/files/paths.ts';

const exec = promisify(execFile);
const { version } = JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { version: string };

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Result> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d;
    });
    // bounded: SIGTERM lets the command stop its database and shop before it exits
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

async function registryReachable(): Promise<boolean> {
  try {
    await exec('npm', ['ping'], { timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
}

test('the packed tarball installs into a prefix of its own and runs from an empty folder', async (t) => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'loadlab-install-'));
  // the embedded server runs as 'postgres' when we are root: let it reach the prefix and the state folder here,
  // so nothing of this test lands in the shared folder it would use otherwise
  chmodSync(tmp, 0o755);
  t.after(() => rmSync(tmp, { recursive: true, force: true }));
  const prefix = path.join(tmp, 'prefix');
  const work = path.join(tmp, 'work');
  const state = path.join(tmp, 'state');
  mkdirSync(work);

  const packed = await exec('npm', ['pack', '--json', '--pack-destination', tmp], { cwd: projectRoot });
  const [{ filename }] = JSON.parse(packed.stdout) as { filename: string }[];
  const tarball = path.join(tmp, filename);
  const install = await run(
    'npm',
    ['install', '--global', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', tarball],
    tmp,
    process.env,
    300_000,
  );
  if (install.code !== 0) {
    if (!(await registryReachable())) {
      t.skip('npm cannot reach the registry to install the dependencies, so the installed CLI was not tried');
      return;
    }
    assert.fail(`npm install of ${filename} failed:\n${install.stderr.slice(-2000)}`);
  }

  const bin = path.join(prefix, 'bin', 'loadlab');
  const packageDir = path.join(prefix, 'lib', 'node_modules', 'loadlab');
  const env: NodeJS.ProcessEnv = { ...process.env, CI: 'true', XDG_STATE_HOME: state };
  for (const key of ['DATABASE_URL', 'LOADLAB_PGDATA', 'SHOP_DATABASE_URL']) delete env[key];

  const index = await run(bin, ['--help'], work, env, 60_000);
  assert.equal(index.code, 0, index.stderr);
  for (const c of binCommands()) assert.match(index.stdout, new RegExp(`^ {2}${c.name} +\\S`, 'm'), c.name);

  // every command's help from the package: each one's imports resolve without the repository's dev dependencies
  const helps = await Promise.all(
    binCommands().map(async (c) => ({ c, r: await run(bin, [c.name, '--help'], work, env, 120_000) })),
  );
  for (const { c, r } of helps) {
    assert.equal(r.code, 0, `${c.name}: ${r.stderr}`);
    assert.match(r.stdout, /^usage: /, c.name);
  }
  const help = helps.find(({ c }) => c.name === 'incident')!.r;
  assert.match(help.stdout, /^usage: loadlab incident \[flags\]/);
  assert.match(help.stdout, /--variants V,V/);

  const r = await run(
    bin,
    ['incident', '--preset', 'tiny', '--quick', '--variants', 'after', '--baseline-rate', '60'],
    work,
    env,
    480_000,
  );
  assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
  const stateLine = r.stderr.split('\n')[0];
  assert.equal(
    stateLine,
    `loadlab ${version}: embedded PostgreSQL data in ${path.join(state, 'loadlab', 'pgdata')}, reports in ./reports/`,
  );
  const summary = JSON.parse(readFileSync(path.join(work, 'reports', 'latest', 'summary.json'), 'utf8')) as {
    variants: Record<string, unknown>;
  };
  assert.deepEqual(Object.keys(summary.variants), ['after']);
  assert.ok(existsSync(path.join(work, 'reports', 'latest', 'report.html')));
  assert.ok(existsSync(path.join(state, 'loadlab', 'pgdata', 'PG_VERSION')), 'the data folder is in the state folder');
  // the installed package stays as installed: no data or reports inside it
  assert.equal(existsSync(path.join(packageDir, '.loadlab')), false);
  assert.equal(existsSync(path.join(packageDir, 'reports')), false);
});
