// bench:runner --against: the statistics behind its "no regression" line, and the checkouts it refuses.
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { againstProblem, comparisonLine, ratioInterval, type StyleComparison } from '../../runner/bench-against.ts';

const comparison = (style: string, ratios: number[]): StyleComparison => ({
  style,
  ratios,
  ...ratioInterval(ratios),
  faster: ratios.filter((r) => r > 1).length,
});

test('the geometric mean and its interval: equal ratios leave no width, a spread around 1 straddles it', () => {
  const same = ratioInterval([1.2, 1.2, 1.2]);
  assert.ok(
    Math.abs(same.geomean - 1.2) < 1e-12 && Math.abs(same.low - 1.2) < 1e-12 && Math.abs(same.high - 1.2) < 1e-12,
  );
  // 0.8 and 1.25 are one ratio and its inverse: the geometric mean is 1 where the arithmetic one says 1.025
  const around = ratioInterval([0.8, 1.25, 0.8, 1.25]);
  assert.ok(Math.abs(around.geomean - 1) < 1e-12);
  assert.ok(around.low < 1 && around.high > 1);
  // logs of 0.9, 1, 1.1: sd 0.1004, mean -0.00335; t(2) = 4.303, so the half width is 0.2494 in log
  const three = ratioInterval([0.9, 1, 1.1]);
  assert.ok(Math.abs(three.low - Math.exp(-0.00335 - 0.2494)) < 1e-3, String(three.low));
  assert.ok(Math.abs(three.high - Math.exp(-0.00335 + 0.2494)) < 1e-3, String(three.high));
});

test('a regression is claimed only when the whole interval is under 1, and a gain only when it is over', () => {
  assert.match(comparisonLine(comparison('synchronous', [0.8, 0.82, 0.79, 0.81])), /REGRESSION/);
  assert.match(comparisonLine(comparison('awaited', [1.2, 1.22, 1.19, 1.21])), /this runner is faster/);
  const line = comparisonLine(comparison('awaited', [0.9, 1.1, 0.95, 1.05, 1.0]));
  assert.match(
    line,
    /^this\/other, awaited: geometric mean 0\.997 over 5 pairs \(95 % interval 0\.904-1\.101; this faster in 2\): no difference measured; a loss beyond 10 % is excluded\n$/,
  );
});

test('a folder that is not a loadlab checkout with its modules is named in one line', () => {
  const none = path.join(tmpdir(), 'no-such-checkout-here');
  assert.match(againstProblem(none)!, /^--against .*no-such-checkout-here: no such directory/);
  const empty = mkdtempSync(path.join(tmpdir(), 'against-'));
  assert.match(againstProblem(empty)!, /no runner\/cli\.ts there/);
  mkdirSync(path.join(empty, 'runner'));
  writeFileSync(path.join(empty, 'runner', 'cli.ts'), '');
  assert.match(againstProblem(empty)!, /no node_modules\/tsx there; run npm ci in it/);
  for (const p of [none, empty].map(againstProblem)) assert.ok(!p!.includes('\n'));
});
