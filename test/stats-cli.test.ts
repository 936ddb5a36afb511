// npm run db:stats as a user runs it: a short sampling run, and one-line errors for bad flags.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { projectRoot } from '../harness/files/paths.ts';
import { ownDataDir } from './helpers/db.ts';
import { nodeArgsFor } from './helpers/processes.ts';
import type { Sample } from '../harness/stats/index.ts';

const testDataDir = ownDataDir(import.meta.url);

const dir = mkdtempSync(path.join(os.tmpdir(), 'loadlab-stats-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function dbStats(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const start = await nodeArgsFor('scripts/db-stats.ts');
  return new Promise((resolve) => {
    const env: NodeJS.ProcessEnv = { ...process.env, LOADLAB_PGDATA: testDataDir, CI: 'true' };
    delete env.DATABASE_URL; // the test server, never a user's
    const child = spawn(process.execPath, [...start, ...args], {
      cwd: projectRoot,
      env,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

test('--duration-s 2 writes NDJSON samples, prints a summary and exits 0', async () => {
  const out = path.join(dir, 'run.ndjson');
  const r = await dbStats(['--preset', 'tiny', '--duration-s', '2', '--interval-ms', '250', '--out', out, '--reset']);
  assert.equal(r.code, 0, r.stderr);
  const lines = readFileSync(out, 'utf8').split('\n');
  assert.equal(lines.at(-1), '', 'the file ends with a complete line');
  const samples = lines.filter(Boolean).map((l) => JSON.parse(l) as Sample);
  assert.ok(samples.length >= 7, `${samples.length} samples`);
  assert.ok(samples.every((s) => s.database !== null && s.proc !== null && s.statements !== null));
  assert.match(r.stdout, new RegExp(`^${samples.length} samples \\(0 failed\\)`));
  assert.match(r.stdout, /product-list query: 0 calls/);
});

for (const [args, message] of [
  [['--interval-ms', '0'], /^error: --interval-ms 0 is out of range/],
  [['--duration-s', 'soon'], /^error: --duration-s 'soon' is not a whole number/],
  [['--bogus'], /^error: Unknown option '--bogus'.*accepted flags/],
  // a file below a file, or a folder: said before sampling starts, not in mkdirSync or at stop()
  [
    ['--out', '/etc/passwd/samples.ndjson'],
    /^error: --out \/etc\/passwd\/samples\.ndjson cannot be written \(a part of the path is a file\)/,
  ],
  [['--out', os.tmpdir()], /^error: --out \/\S+ is a folder \(accepted: a file path\)/],
] as const) {
  test(`${args.join(' ')}: one-line error, exit 1`, async () => {
    const r = await dbStats([...args]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, message);
    assert.equal(r.stdout, '');
  });
}
