// RunFolder's `latest` link: it follows finished runs inside the reports folder and nothing else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readlinkSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RunFolder } from '../../harness/files/run-folder.ts';

function sandbox(t: { after: (fn: () => void) => void }): { reports: string; elsewhere: string } {
  const root = mkdtempSync(path.join(os.tmpdir(), 'loadlab-run-folder-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const reports = path.join(root, 'reports');
  mkdirSync(reports);
  return { reports, elsewhere: path.join(root, 'elsewhere') };
}

test('a finished run inside reports/ becomes reports/latest, relative and replaced whole', (t) => {
  const { reports } = sandbox(t);
  const a = RunFolder.create(reports, path.join(reports, 'run-a'));
  assert.ok(existsSync(a.file('INCOMPLETE')));
  a.complete(reports);
  assert.ok(!existsSync(a.file('INCOMPLETE')));
  assert.equal(readlinkSync(path.join(reports, 'latest')), 'run-a');
  assert.equal(a.latest, path.join(reports, 'latest'));
  assert.match(a.latestNote, /^\(also .*latest\)$/);

  const b = RunFolder.create(reports, path.join(reports, 'nested', 'run-b'));
  b.complete(reports);
  assert.equal(readlinkSync(path.join(reports, 'latest')), path.join('nested', 'run-b'));
  assert.deepEqual(readdirSync(reports).sort(), ['latest', 'nested', 'run-a'], 'no temporary link left behind');
});

test('a run written elsewhere leaves reports/latest as it was, and says so', (t) => {
  const { reports, elsewhere } = sandbox(t);
  const mine = RunFolder.create(reports, path.join(reports, 'users-run'));
  mine.complete(reports);
  const other = RunFolder.create(reports, path.join(elsewhere, 'test-run'));
  other.complete(reports);
  assert.ok(!existsSync(other.file('INCOMPLETE')), 'complete all the same');
  assert.equal(readlinkSync(path.join(reports, 'latest')), 'users-run');
  assert.equal(other.latest, null);
  assert.match(other.latestNote, /left as it was/);

  // a folder reached through a link into reports/ is judged by where it really is
  const link = path.join(elsewhere, 'into-reports');
  symlinkSync(reports, link);
  const viaLink = RunFolder.create(reports, path.join(link, 'via-link'));
  viaLink.complete(reports);
  assert.equal(readlinkSync(path.join(reports, 'latest')), 'via-link');
});

test('a reports/latest that is not a link is not replaced', (t) => {
  const { reports } = sandbox(t);
  mkdirSync(path.join(reports, 'latest'));
  const run = RunFolder.create(reports, path.join(reports, 'run'));
  run.complete(reports);
  assert.ok(lstatSync(path.join(reports, 'latest')).isDirectory());
  assert.equal(run.latest, null);
  assert.match(run.latestNote, /not a link/);
});
