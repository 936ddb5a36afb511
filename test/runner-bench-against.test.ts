// npm run bench:runner -- --against DIR: real runs of two runners (here the checkout against itself) on the
// bench's loopback server, in pairs; and its flags refused in one line.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { projectRoot } from '../harness/files/paths.ts';
import { runCli, type CliResult } from './helpers/processes.ts';

const bench = (args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> => runCli('bench:runner', args, env);

test('bench:runner --help, and bad flags as one line with exit 2 before anything runs', async () => {
  const [help, pairs, missing, unknown, alone] = await Promise.all([
    bench(['--help']),
    bench(['--against', projectRoot, '--pairs', '1']),
    bench(['--against', '/no/such/loadlab']),
    bench(['--rounds', '3']),
    bench(['--pairs', '4']),
  ]);
  assert.equal(help.code, 0, help.stderr);
  assert.ok(help.stdout.startsWith('usage: npm run bench:runner -- [--against DIR] [--pairs N]\n'), help.stdout);
  assert.match(help.stdout, /--against DIR/);
  const oneLine = (r: CliResult, re: RegExp) => {
    assert.equal(r.code, 2, r.stdout + r.stderr);
    assert.match(r.stderr, re);
    assert.equal(r.stderr.split('\n').length, 2, r.stderr);
    assert.equal(r.stdout, '');
  };
  oneLine(pairs, /^error: --pairs 1: not a whole number from 2 to 100\n$/);
  oneLine(missing, /^error: --against \/no\/such\/loadlab: no such directory/);
  oneLine(unknown, /^error: unknown argument '--rounds' \(accepted: --against DIR, --pairs N, --help\)\n$/);
  oneLine(alone, /^error: --pairs is only read with --against DIR\n$/);
});

test('--against this checkout: both styles, each pair measured on both runners, one verdict line per style', async () => {
  const r = await bench(['--against', projectRoot, '--pairs', '2'], { BENCH_SECONDS: '1', BENCH_CONNECTIONS: '4' });
  assert.equal(r.code, 0, r.stderr);
  const pairs = [
    ...r.stdout.matchAll(
      /^pair (\d) (awaited|synchronous)\s*: this (\d+), other (\d+) requests\/s, ([\d.]+)x \((this|other) first\)$/gm,
    ),
  ];
  assert.equal(pairs.length, 4, r.stdout);
  for (const [, , , here, other, ratio] of pairs) {
    assert.ok(Number(here) > 0 && Number(other) > 0, r.stdout);
    assert.ok(Math.abs(Number(ratio) - Number(here) / Number(other)) < 0.002, r.stdout);
  }
  // the order alternates within a pair and between pairs
  assert.deepEqual(
    pairs.map((m) => m[6]),
    ['other', 'this', 'this', 'other'],
  );
  for (const style of ['awaited', 'synchronous'])
    assert.match(
      r.stdout,
      new RegExp(
        `^this/other, ${style}: geometric mean [\\d.]+ over 2 pairs \\(95 % interval [\\d.]+-[\\d.]+; this faster in [0-2]\\): `,
        'm',
      ),
    );
});
