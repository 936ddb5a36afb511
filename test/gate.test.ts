import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { GrowthReport } from '../harness/audit/growth.ts';
import { ownDataDir } from './helpers/db.ts';
import { expectNoneLeft, harnessProcesses, runCli, shopKiller } from './helpers/processes.ts';
import { junitCases } from './helpers/junit.ts';
import { sharedTimeout } from './helpers/timeouts.ts';

const testDataDir = ownDataDir(import.meta.url);

const env = { LOADLAB_PGDATA: testDataDir };

for (const [variant, expectedCode] of [
  ['after', 0],
  ['before', 99],
] as const) {
  test(`gate ${variant === 'after' ? 'passes' : 'fails'} the ${variant} variant on tiny -> small`, {
    timeout: sharedTimeout(180_000),
  }, async (t) => {
    // a folder of the test's own, never reports/gate
    const out = mkdtempSync(path.join(os.tmpdir(), `loadlab-gate-${variant}-`));
    t.after(() => rmSync(out, { recursive: true, force: true }));
    const r = await runCli(
      'gate',
      ['--variant', variant, '--duration-s', '8', ...(variant === 'before' ? ['--skip-latency'] : []), '--out', out],
      env,
    );
    assert.equal(r.code, expectedCode, `exit code; stderr: ${r.stderr.slice(-1500)}`);
    const md = readFileSync(path.join(out, 'gate.md'), 'utf8');
    assert.match(md, /\| gate \| result \| measured \|/);
    const cases = junitCases(path.join(out, 'junit.xml'));
    // one case per verdict kind of the growth audit, one for the plans (a warning), one for the latency; before
    // fails on its scaling alone, so its latency replay is skipped (the after run and the kill test play one)
    assert.deepEqual(
      cases.map((c) => c.name.replace(/:.*/, '')),
      [
        'scaling (grows)',
        'scaling (regressed)',
        'scaling (new)',
        'plans (warning only)',
        ...(variant === 'after' ? ['latency'] : []),
      ],
    );
    const latency = cases.at(-1)!;
    // the old query's work grows with the dates: the scaling gate catches it, whatever the latency says; the
    // committed baseline is the fixed variant's, so before's audit is not compared with it
    assert.deepEqual(
      cases.slice(0, 4).map((c) => c.failed),
      [variant === 'before', false, false, false],
    );
    if (variant === 'after') assert.equal(latency.failed, false, md);
    assert.match(
      md,
      variant === 'before'
        ? /scaling \(grows\).* \| \*\*FAIL\*\* \| 1 statement grows with the number of dates: loadlab:product-list:before/
        : /scaling \(regressed\).* \| pass \| none among \d+ statements \|/,
    );
    // the margin: the old product list grows about linearly, the fixed one not at all (exponents)
    const growth = JSON.parse(readFileSync(path.join(out, 'audit', 'growth.json'), 'utf8')) as GrowthReport;
    // the fixed variant's audit is the committed baseline's: compared with it, and nothing regressed
    assert.equal(growth.baseline?.compared, variant === 'after', JSON.stringify(growth.baseline));
    const productList = growth.statements.find((s) => s.label === `loadlab:product-list:${variant}`);
    assert.ok(
      productList?.exponent !== null && productList?.exponent !== undefined,
      'the product list was measured at both sizes',
    );
    if (variant === 'before') assert.ok(productList.exponent >= 0.8, `before's exponent ${productList.exponent}`);
    else assert.ok(productList.exponent <= 0.15, `after's exponent ${productList.exponent}`);
  });
}

test('gate rejects bad input with one line', async () => {
  for (const [args, expected] of [
    [['--variant', 'sideways'], /unknown variant 'sideways'/],
    [['--sizes', 'small,tiny'], /must have more dates/],
    [['--max-exponent', '0'], /--max-exponent '0'/],
    [['--sizes', 'small'], /names one size/],
    [['--max-regression', 'x'], /^error: --max-regression 'x' is not valid \(accepted: a percentage from 0 to 1000/],
    [['--min-new-work=-1'], /^error: --min-new-work '-1' is not valid/],
    [['--baseline', '/nonexistent/baseline.json'], /^error: cannot read the baseline \/nonexistent\/baseline\.json: /],
  ] as const) {
    const r = await runCli('gate', [...args], env);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, expected);
  }
});

test('kill -9 of the shop during the latency replay: one line, exit 1, INCOMPLETE, no gate.md, nothing left', {
  timeout: sharedTimeout(180_000),
}, async (t) => {
  const out = mkdtempSync(path.join(os.tmpdir(), 'loadlab-gate-killed-'));
  t.after(() => rmSync(out, { recursive: true, force: true }));
  const killer = shopKiller(testDataDir);
  let watching = false;
  const r = await runCli(
    'gate',
    // the fewest visitors the audit takes: this test is about the replay it kills
    ['--variant', 'after', '--duration-s', '20', '--visitors', '10', '--out', out],
    { ...env, LOADLAB_VERBOSE: '1' },
    (stderr) => {
      if (!watching && /latency: after on/.test(stderr)) {
        watching = true;
        killer.start();
      }
    },
  );
  assert.ok(killer.killed.length > 0, `the shop was found and killed: ${killer.failed} ${r.stderr.slice(-500)}`);
  assert.equal(r.code, 1, r.stderr.slice(-1000));
  const last = r.stderr.trimEnd().split('\n').at(-1) ?? '';
  assert.match(last, /^error: run stopped: the shop \(after, small\) ended unexpectedly \(killed by SIGKILL\)/);
  assert.match(
    readFileSync(path.join(out, 'INCOMPLETE'), 'utf8'),
    /latency replay did not finish \(the shop \(after, small\) ended unexpectedly/,
  );
  assert.ok(
    !existsSync(path.join(out, 'gate.md')) && !existsSync(path.join(out, 'junit.xml')),
    'no verdict that looks finished',
  );
  await expectNoneLeft(() => harnessProcesses(testDataDir), 'no postgres, shop or runner process remains');
});
