// load:merge on bad input: a missing file, a truncated one (gzipped or plain), files of another script, segments
// that overlap, a file given twice, no --script: each one line naming the file and what is wrong. The files come
// from real runs of two tiny scripts without requests, in this process; the merge's checks run in this process
// too, and two cases go through the command as a user runs it (exit codes, one line, no stack trace).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { RunnerError, runScript } from '../runner/index.ts';
import { mergeOutputs } from '../runner/merge/merge.ts';
import { runCli } from './helpers/processes.ts';
import { devNull } from './runner-server.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'merge-input-'));
const file = (name: string) => path.join(dir, name);
const plain0 = () => readFileSync(file('c.json'), 'utf8');

function oneErrorLine(stderr: string): string {
  const lines = stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line, got:\n${stderr}`);
  assert.match(lines[0], /^error: /);
  assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
  return lines[0];
}

test('bad input to load:merge: one line each, naming the file and what is wrong', async () => {
  const counter = file('counter.js');
  writeFileSync(
    counter,
    "import { Counter } from 'k6/metrics';\nconst c = new Counter('things');\n" +
      "export const options = { vus: 2, iterations: 8, thresholds: { things: ['count == 8'] } };\n" +
      'export default function () { c.add(1); }\n',
  );
  const other = file('other.js');
  writeFileSync(
    other,
    "export const options = { thresholds: { iterations: ['count > 0'] } };\nexport default function () {}\n",
  );
  const run = (script: string, out: string, executionSegment?: string) =>
    runScript(script, {
      out: [`json=${file(out)}`],
      flagOptions: executionSegment ? { executionSegment } : {},
      quiet: true,
      stdout: devNull(),
      stderr: devNull(),
    });
  // each half fails 'count == 8' on its own share
  assert.equal((await run(counter, 'a.json.gz', '0:1/2')).exitCode, 99);
  await run(counter, 'b.json', '1/4:3/4');
  assert.equal((await run(counter, 'c.json', '1/2:1')).exitCode, 99);
  await run(other, 'other.json');

  // the halves 0:1/2 and 1/2:1 together are the whole test: the threshold that failed on each half passes
  const good = await runCli('load:merge', ['--script', counter, file('a.json.gz'), file('c.json')]);
  assert.equal(good.code, 0, good.stderr);
  assert.match(good.stdout, /things\.+: 8 /);

  // real k6's files have no Metadata line: merged with a note, recognised by the thresholds they declare
  const k6Style = file('k6.json');
  writeFileSync(k6Style, plain0().replace(/^\{"type":"Metadata".*\n/, ''));
  const withK6 = await mergeOutputs({ script: counter, files: [file('a.json.gz'), k6Style], stderr: devNull() });
  assert.equal(withK6.thresholdsFailed, false);
  assert.ok(withK6.notes.some((n) => /k6\.json names no execution segment/.test(n)));
  const k6Other = file('k6-other.json');
  writeFileSync(
    k6Other,
    plain0()
      .replace(/^\{"type":"Metadata".*\n/, '')
      .replace('"count == 8"', '"count == 9"'),
  );

  const truncatedGz = file('cut.json.gz');
  writeFileSync(truncatedGz, readFileSync(file('a.json.gz')).subarray(0, 200));
  const plain = readFileSync(file('c.json'), 'utf8');
  const truncatedPlain = file('cut.json');
  writeFileSync(truncatedPlain, plain.slice(0, plain.length - 30));

  const cases: [string[], RegExp][] = [
    [[file('a.json.gz'), file('missing.json')], /missing\.json: not found/],
    [[file('a.json.gz'), truncatedGz], /cut\.json\.gz: the gzip stream ends early \(a truncated file/],
    [[file('a.json.gz'), truncatedPlain], /cut\.json: line \d+ is not JSON \(a truncated or damaged file\?\)/],
    [[file('a.json.gz'), file('other.json')], /other\.json is from a run of 'other\.js' .*not of 'counter\.js'/],
    [[file('a.json.gz'), file('b.json')], /a\.json\.gz \(segment 0:1\/2\) and .*b\.json \(segment 1\/4:3\/4\) overlap/],
    [[file('a.json.gz'), file('a.json.gz')], /a\.json\.gz is given twice/],
    [
      [file('a.json.gz'), k6Other],
      /k6-other\.json declares the threshold 'things: count == 9', which 'counter\.js' does not/,
    ],
  ];
  for (const [files, expected] of cases) {
    await assert.rejects(
      mergeOutputs({ script: counter, files, stderr: devNull() }),
      (err: unknown) =>
        err instanceof RunnerError && err.exitCode === 1 && !err.message.includes('\n') && expected.test(err.message),
      files.join(' '),
    );
  }
  const mixed = await runCli('load:merge', ['--script', counter, file('a.json.gz'), file('other.json')]);
  assert.equal(mixed.code, 1);
  assert.match(oneErrorLine(mixed.stderr), /other\.json is from a run of 'other\.js'/);
  const noScript = await runCli('load:merge', [file('a.json.gz')]);
  assert.equal(noScript.code, 1);
  assert.match(oneErrorLine(noScript.stderr), /--script is required/);
});
