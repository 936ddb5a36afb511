// The suite's commands, each told --out a temporary folder, leave the user's reports/ and .env exactly as they
// were: reports/latest keeps opening the user's last run however many test runs finish after it (issue 17).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  existsSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  unlinkSync,
} from 'node:fs';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { projectRoot, reportsDir } from '../harness/files/paths.ts';
import { ownDataDir } from './helpers/db.ts';
import { runCli, type CliResult } from './helpers/processes.ts';
import { sharedTimeout } from './helpers/timeouts.ts';

const loadTestDataDir = ownDataDir(import.meta.url);

const env = { LOADLAB_PGDATA: loadTestDataDir };

/** every entry under reports/ with what identifies it: a link's target, a file's size and time */
function snapshot(dir = reportsDir): Map<string, string> {
  const out = new Map<string, string>();
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    const rel = path.relative(reportsDir, full);
    const st = lstatSync(full);
    if (st.isSymbolicLink()) out.set(rel, `link -> ${readlinkSync(full)}`);
    else if (st.isDirectory()) {
      out.set(rel, 'folder');
      for (const [k, v] of snapshot(full)) out.set(k, v);
    } else out.set(rel, `file ${st.size} bytes, modified ${st.mtimeMs}`);
  }
  return out;
}

const envFile = path.join(projectRoot, '.env');
const envHash = () =>
  existsSync(envFile) ? createHash('sha256').update(readFileSync(envFile)).digest('hex') : 'absent';

/** should a command still move a link, put it back: the test must not leave the damage it detects */
function restoreLinks(before: Map<string, string>): void {
  for (const [rel, now] of snapshot()) {
    if (!now.startsWith('link -> ') || before.get(rel) === now) continue;
    const full = path.join(reportsDir, rel);
    unlinkSync(full);
    const was = before.get(rel);
    if (was?.startsWith('link -> ')) symlinkSync(was.slice('link -> '.length), full);
  }
}

function ok(name: string, r: CliResult): void {
  assert.equal(r.code, 0, `${name}: exit code; stderr: ${r.stderr.slice(-1500)}`);
}

test('load:incident, load:capacity, gate, db:stats and report with --out leave reports/ and .env as they were', {
  timeout: sharedTimeout(300_000),
}, async (t) => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'loadlab-untouched-'));
  const before = snapshot();
  const envBefore = envHash();
  t.after(() => {
    restoreLinks(before);
    rmSync(tmp, { recursive: true, force: true });
  });

  // short and one variant each: this test is about where files go, not about what the runs measure
  const incident = path.join(tmp, 'incident');
  const capacity = path.join(tmp, 'capacity');
  const gate = path.join(tmp, 'gate');
  const ri = await runCli(
    'load:incident',
    ['--preset', 'tiny', '--quick', '--variants', 'after', '--baseline-rate', '60', '--out', incident],
    env,
  );
  ok('load:incident', ri);
  ok('report', await runCli('report', [incident]));
  const rc = await runCli(
    'load:capacity',
    ['--quick', '--variants', 'after', '--dates', '300', '--step-s', '3', '--repeats', '1', '--out', capacity],
    env,
  );
  ok('load:capacity', rc);
  ok('gate', await runCli('gate', ['--skip-latency', '--out', gate], env));
  ok(
    'db:stats',
    await runCli('db:stats', ['--preset', 'tiny', '--duration-s', '1', '--out', path.join(tmp, 'stats.ndjson')], env),
  );

  assert.deepEqual([...snapshot()], [...before], 'reports/ listing and link targets unchanged');
  assert.equal(envHash(), envBefore, '.env unchanged');
  for (const f of [
    'incident/report.html',
    'incident/summary.json',
    'capacity/capacity.html',
    'gate/gate.md',
    'gate/junit.xml',
    'stats.ndjson',
  ])
    assert.ok(existsSync(path.join(tmp, f)), `${f} went to --out`);
  // and each run says where its report is, and that the latest link was left alone
  assert.match(
    ri.stdout,
    new RegExp(`report: ${incident}/report\\.md \\(outside reports/, so reports/latest was left as it was\\)`),
  );
  assert.match(
    rc.stdout,
    new RegExp(
      `written: ${capacity}/capacity\\.md \\(outside reports/capacity/, so reports/capacity/latest was left as it was\\)`,
    ),
  );
});
