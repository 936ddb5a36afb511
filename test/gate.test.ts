import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { loadTestDataDir as testDataDir } from './helpers/db.ts';
import { runCli } from './helpers/processes.ts';

const env = { LOADLAB_PGDATA: testDataDir };

/** Parses the JUnit file with a real XML parser (Python's ElementTree) and lists its test cases. */
function junitCases(file: string): { name: string; failed: boolean }[] {
  const py = `import json,sys,xml.etree.ElementTree as ET
root=ET.parse(sys.argv[1]).getroot()
print(json.dumps([{"name":c.get("name"),"failed":c.find("failure") is not None} for c in root.iter("testcase")]))`;
  const r = spawnSync('python3', ['-c', py, file], { encoding: 'utf8' });
  assert.equal(r.status, 0, `junit.xml is well-formed XML: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

for (const [variant, expectedCode] of [['after', 0], ['before', 99]] as const) {
  test(`gate ${variant === 'after' ? 'passes' : 'fails'} the ${variant} variant on tiny -> small`, { timeout: 180_000 }, async (t) => {
    // a folder of the test's own, never reports/gate
    const out = mkdtempSync(path.join(os.tmpdir(), `loadlab-gate-${variant}-`));
    t.after(() => rmSync(out, { recursive: true, force: true }));
    const r = await runCli('gate', ['--variant', variant, '--duration-s', '8', '--out', out], env);
    assert.equal(r.code, expectedCode, `exit code; stderr: ${r.stderr.slice(-1500)}`);
    const md = readFileSync(path.join(out, 'gate.md'), 'utf8');
    assert.match(md, /\| gate \| result \| measured \|/);
    const cases = junitCases(path.join(out, 'junit.xml'));
    assert.equal(cases.length, 2, 'one test case per gate');
    const scaling = cases.find((c) => c.name.startsWith('scaling'))!;
    const latency = cases.find((c) => c.name.startsWith('latency'))!;
    assert.ok(scaling && latency);
    // the old query's work grows with the dates: the scaling gate catches it, whatever the latency says
    assert.equal(scaling.failed, variant === 'before');
    if (variant === 'after') assert.equal(latency.failed, false, md);
    assert.match(md, variant === 'before' ? /\*\*FAIL\*\*.*buffers touched grew/ : /pass \| buffers touched grew/);
  });
}

test('gate rejects bad input with one line', async () => {
  for (const [args, expected] of [
    [['--variant', 'sideways'], /unknown variant 'sideways'/],
    [['--sizes', 'small,tiny'], /must have more dates/],
    [['--max-growth', '0.5'], /--max-growth '0.5'/],
  ] as const) {
    const r = await runCli('gate', [...args], env);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, expected);
  }
});
