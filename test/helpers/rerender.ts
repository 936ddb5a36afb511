import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { runCli } from './processes.ts';

/**
 * npm run report re-renders a run folder byte for byte from its files; then, with the field of summary.json at
 * `field` set to `badValue`, fails with one line that `expected` matches (the file and the field named).
 */
export async function checkRerender(
  out: string,
  field: (string | number)[],
  badValue: unknown,
  expected: RegExp,
): Promise<void> {
  const files = ['report.md', 'report.html'];
  const written = files.map((f) => readFileSync(path.join(out, f), 'utf8'));
  const r = await runCli('report', [out]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(
    files.map((f) => readFileSync(path.join(out, f), 'utf8')),
    written,
    're-rendered report identical',
  );
  const summaryFile = path.join(out, 'summary.json');
  const broken: unknown = JSON.parse(readFileSync(summaryFile, 'utf8'));
  let at = broken as Record<string | number, unknown>;
  for (const k of field.slice(0, -1)) at = at[k] as Record<string | number, unknown>;
  assert.ok(field.at(-1)! in at, `summary.json has ${field.join('.')}`);
  at[field.at(-1)!] = badValue;
  writeFileSync(summaryFile, JSON.stringify(broken));
  const bad = await runCli('report', [out]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, expected);
}
