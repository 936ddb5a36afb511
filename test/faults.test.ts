// Faults a run must survive (issue 15), each real and in the middle of a quick run: kill -9 of the PostgreSQL
// postmaster, of the shop and of the runner, and an external DATABASE_URL whose server is killed. Each run must
// notice within seconds, stop its load, end with one line and exit 1, mark its folder INCOMPLETE with the reason
// and the figures so far, and leave no process behind; after the postmaster's death the next command starts the
// server again on intact data. The time from the kill to the harness's "fault:" line is printed (noisy on a
// shared machine) and must stay under 10 s.
import { after, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { stateDir } from '../harness/files/paths.ts';
import { replicaDataDir } from '../harness/db/replicas.ts';
import { effectiveDataDir } from '../harness/db/server-files.ts';
import { openDataset, type OpenedDataset } from '../harness/db/dataset.ts';
import {
  expectNoneLeft,
  loadPlaying,
  processesWith,
  runCli,
  serverProcessesOn,
  type CliResult,
} from './helpers/processes.ts';
import { ownDataDir } from './helpers/db.ts';
import { sharedTimeout } from './helpers/timeouts.ts';

const dataDir = ownDataDir(import.meta.url);
const outRoot = path.join(stateDir, 'test-reports');
const external = Boolean(process.env.DATABASE_URL?.trim());

interface Killed {
  r: CliResult;
  out: string;
  noticeS: number;
  exitS: number;
}

interface RunToKill {
  command: string;
  args: string[];
  /** the line that says the load is about to start; the kill waits for the load to play (loadPlaying) */
  loadStarted: RegExp;
}

const incidentRun: RunToKill = {
  command: 'load:incident',
  args: ['--preset', 'tiny', '--quick', '--variants', 'before', '--baseline-rate', '120'],
  loadStarted: /before: baseline/,
};
// the day's load starts a while after its plan is printed (the runner's start-up): killed as 'normal' plays
const timelineRun: RunToKill = {
  command: 'load:timeline',
  args: ['--preset', 'tiny', '--quick', '--baseline-rate', '120'],
  loadStarted: /^the day: /m,
};
const timelineSofar = /the day: stopped [\d.]+ s into its load: /;

/** A quick run (by default a replay of `before` on tiny); once its load plays, the process `pick` names gets SIGKILL. */
async function killDuringRun(
  name: string,
  env: NodeJS.ProcessEnv,
  pick: () => number,
  run = incidentRun,
): Promise<Killed> {
  const out = path.join(outRoot, `fault-${name}-${process.pid}`);
  rmSync(out, { recursive: true, force: true });
  let armed = false;
  let killedAt = 0;
  let noticedAt = 0;
  let pickError = '';
  const r = await runCli(run.command, [...run.args, '--out', out], env, undefined, (stdout) => {
    if (!armed && run.loadStarted.test(stdout)) {
      armed = true;
      loadPlaying(dataDir).then(
        () => {
          try {
            const pid = pick();
            killedAt = performance.now();
            process.kill(pid, 'SIGKILL');
          } catch (err) {
            pickError = (err as Error).message;
          }
        },
        (err: Error) => (pickError = err.message),
      );
    }
    if (killedAt && !noticedAt && /^fault: /m.test(stdout)) noticedAt = performance.now();
  });
  const exitAt = performance.now();
  assert.equal(pickError, '', 'the process to kill was found');
  assert.ok(killedAt > 0, `the ${name} was killed during the load: ${r.stdout}\n${r.stderr}`);
  assert.ok(noticedAt > 0, `the harness said it noticed: ${r.stdout}`);
  return { r, out, noticeS: (noticedAt - killedAt) / 1000, exitS: (exitAt - killedAt) / 1000 };
}

/** What every fault must leave: exit 1, one line without a stack, the marker with reason and figures, no report. */
function assertStopped(
  t: TestContext,
  k: Killed,
  reason: RegExp,
  sofar = /before: stopped [\d.]+ s into its load: /,
): void {
  const { r, out } = k;
  assert.equal(r.code, 1, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line: ${r.stderr}`);
  assert.match(lines[0], new RegExp(`^error: run stopped: ${reason.source}.*; run folder marked INCOMPLETE: `));
  const marker = readFileSync(path.join(out, 'INCOMPLETE'), 'utf8');
  assert.match(marker, new RegExp(`^this run did not finish \\(${reason.source}`));
  assert.match(marker, /figures so far:\n {2}noticed [\d.]+ s after the watch began/);
  assert.match(marker, sofar);
  assert.ok(
    ['summary.json', 'report.md', 'capacity.json'].every((f) => !existsSync(path.join(out, f))),
    'no report that looks finished',
  );
  assert.ok(k.noticeS < 10, `noticed ${k.noticeS.toFixed(2)} s after the kill (limit 10 s)`);
  t.diagnostic(
    `exit ${r.code}; noticed ${k.noticeS.toFixed(2)} s and exited ${k.exitS.toFixed(2)} s after the kill; ${lines[0]}`,
  );
  rmSync(out, { recursive: true, force: true });
}

/** no postgres (postmaster or backend), shop or runner of this run is left, allowing 2 s (alone) for the last exits */
async function assertNoLeftovers(folder: string, envPair: string): Promise<void> {
  const leftovers = () => [
    ...serverProcessesOn(folder),
    ...processesWith('scripts/shop.ts', envPair),
    ...processesWith('runner/cli.ts', envPair),
  ];
  await expectNoneLeft(leftovers, 'no postgres, shop or runner process remains', sharedTimeout(2000));
}

/** the one process running `entry` for this test's runs (one, not a tsx wrapper and its child) */
function onlyProcess(entry: string): number {
  const pids = processesWith(entry, `LOADLAB_PGDATA=${dataDir}`);
  if (pids.length !== 1) throw new Error(`expected one ${entry} process, found ${pids.length}: ${pids.join(', ')}`);
  return pids[0];
}

describe('faults during a run', {
  skip: external ? 'DATABASE_URL is set: these tests kill embedded servers of their own' : false,
}, () => {
  const env = { LOADLAB_PGDATA: dataDir };
  const envPair = `LOADLAB_PGDATA=${dataDir}`;

  it('a disk already below its floor: load:incident, load:capacity and load:timeline refuse to start with one line', async () => {
    for (const cmd of ['load:incident', 'load:capacity', 'load:timeline']) {
      const out = path.join(outRoot, `fault-floor-${process.pid}`);
      const r = await runCli(cmd, ['--quick', '--out', out], { ...env, LOADLAB_DISK_FLOOR: '100%' });
      assert.equal(r.code, 1, r.stderr);
      assert.match(
        r.stderr,
        /^error: not starting: only [\d.]+ \w+ free on the disk of the database's data folder \(.*\), below the floor of [\d.]+ \w+ \(LOADLAB_DISK_FLOOR=100%\)\n$/,
      );
      assert.equal(r.stdout, '', 'nothing started');
      assert.ok(!existsSync(out), 'no run folder');
      const bad = await runCli(cmd, ['--quick'], { ...env, LOADLAB_DISK_FLOOR: 'lots' });
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /^error: LOADLAB_DISK_FLOOR 'lots' is not a size \(accepted: .*5%\)\n$/);
    }
    await assertNoLeftovers(dataDir, envPair);
  });

  it('kill -9 of the postmaster: noticed, one line, INCOMPLETE; the next command recovers the data', {
    timeout: sharedTimeout(90_000),
  }, async (t) => {
    const postmaster = () =>
      Number(readFileSync(path.join(effectiveDataDir(dataDir), 'postmaster.pid'), 'utf8').split('\n')[0]);
    const k = await killDuringRun('postgres', env, postmaster);
    assertStopped(t, k, /the embedded PostgreSQL \(pid \d+\) ended unexpectedly \(killed by SIGKILL/);
    await assertNoLeftovers(dataDir, envPair);

    const next = await runCli('dataset:prepare', ['--preset', 'tiny'], { ...env, LOADLAB_VERBOSE: '1' });
    assert.equal(next.code, 0, next.stderr);
    assert.match(next.stderr, /did not shut down cleanly \(pid \d+ is gone: killed or crashed\); it recovers/);
    assert.match(next.stdout, /^reused preset tiny/, 'the seeded data survived: no reseed');
    await assertNoLeftovers(dataDir, envPair);
  });

  it('kill -9 of the shop: noticed, one line, INCOMPLETE, nothing left', {
    timeout: sharedTimeout(90_000),
  }, async (t) => {
    const k = await killDuringRun('shop', env, () => onlyProcess('scripts/shop.ts'));
    assertStopped(t, k, /the shop \(before\) ended unexpectedly \(killed by SIGKILL\)/);
    await assertNoLeftovers(dataDir, envPair);
  });

  it('kill -9 of the runner: noticed, one line, INCOMPLETE, nothing left', {
    timeout: sharedTimeout(90_000),
  }, async (t) => {
    const k = await killDuringRun('runner', env, () => onlyProcess('runner/cli.ts'));
    assertStopped(t, k, /the load runner ended unexpectedly \(killed by SIGKILL\) during variant before/);
    await assertNoLeftovers(dataDir, envPair);
  });

  it("kill -9 of a capacity step's shop: the sweep stops the same way, with the steps so far", {
    timeout: sharedTimeout(90_000),
  }, async (t) => {
    const sweep = {
      command: 'load:capacity',
      args: ['--quick', '--dates', '300', '--variants', 'after', '--step-s', '3', '--repeats', '1'],
      loadStarted: /after @ 300 dates: probe/,
    };
    const k = await killDuringRun('capacity', env, () => onlyProcess('scripts/shop.ts'), sweep);
    assertStopped(
      t,
      k,
      /the shop \(after\) ended unexpectedly \(killed by SIGKILL\)/,
      /after @ 300 dates(, repeat 1\/1)?: [\d.]+ visitors\/min: (stopped [\d.]+ s into its load: (\d+ requests|the runner wrote no summary)|product-list p95 )/,
    );
    await assertNoLeftovers(dataDir, envPair);
  });

  it('the incident day stops the same way when a replica, its shop or its runner is killed during the day', {
    timeout: sharedTimeout(240_000),
  }, async (t) => {
    // the day runs on a primary and two replicas: every server is watched alike, a replica is killed here
    const replica = () =>
      Number(
        readFileSync(path.join(replicaDataDir(effectiveDataDir(dataDir), 0), 'postmaster.pid'), 'utf8').split('\n')[0],
      );
    const cases: [string, () => number, RegExp][] = [
      [
        'timeline-replica',
        replica,
        /a PostgreSQL server of the platform ended unexpectedly \(replica-1, pid \d+: killed by SIGKILL/,
      ],
      [
        'timeline-shop',
        () => onlyProcess('scripts/shop.ts'),
        /the shop \(before, with its switches\) ended unexpectedly \(killed by SIGKILL\)/,
      ],
      [
        'timeline-runner',
        () => onlyProcess('runner/cli.ts'),
        /the load runner ended unexpectedly \(killed by SIGKILL\) during the day/,
      ],
    ];
    for (const [name, pick, reason] of cases) {
      const k = await killDuringRun(name, env, pick, timelineRun);
      assertStopped(t, k, reason, timelineSofar);
      await assertNoLeftovers(dataDir, envPair);
      for (const i of [0, 1])
        await expectNoneLeft(
          () => serverProcessesOn(replicaDataDir(effectiveDataDir(dataDir), i)),
          `no postgres remains on replica-${i + 1}`,
          sharedTimeout(2000),
        );
    }
  });

  it('kill -9 of the harness itself: its shop, runner and postgres stop by themselves', {
    timeout: sharedTimeout(90_000),
  }, async () => {
    let killed = false;
    await runCli(
      'load:incident',
      [...incidentRun.args, '--out', path.join(outRoot, `fault-harness-${process.pid}`)],
      env,
      undefined,
      (stdout) => {
        if (!killed && incidentRun.loadStarted.test(stdout)) {
          killed = true;
          // the harness's node process and the tsx launcher above it, as an out-of-memory kill of the session would
          void loadPlaying(dataDir).then(() =>
            processesWith('scripts/load-incident.ts', envPair).forEach((pid) => void process.kill(pid, 'SIGKILL')),
          );
        }
      },
    );
    assert.ok(killed, 'the replay reached its load');
    // parent-death signals: SIGTERM to the shop and runner, SIGINT (fast shutdown) to postgres; allow them 10 s
    const leftovers = () => [
      ...serverProcessesOn(dataDir),
      ...processesWith('scripts/shop.ts', envPair),
      ...processesWith('runner/cli.ts', envPair),
    ];
    await expectNoneLeft(leftovers, 'no postgres, shop or runner process outlives a killed harness');
    rmSync(path.join(outRoot, `fault-harness-${process.pid}`), { recursive: true, force: true });
  });

  describe('an external DATABASE_URL', () => {
    const extDir = path.join(stateDir, 'test-faults-external-pgdata');
    let ds: OpenedDataset | undefined;
    after(async () => {
      await ds?.db.close();
    });

    it('whose server is killed: one clear line, no stack trace, INCOMPLETE', {
      timeout: sharedTimeout(90_000),
    }, async (t) => {
      ds = await openDataset({ preset: 'tiny', dataDir: extDir });
      const server = ds.db.server!;
      const k = await killDuringRun('external', { ...env, DATABASE_URL: ds.db.url }, () => server.pid);
      assertStopped(t, k, /the database at postgres:\/\/postgres@127\.0\.0\.1:\d+\/loadlab_tiny went away \(/);
      await assertNoLeftovers(dataDir, envPair);
      await ds.db.close();
      assert.deepEqual(serverProcessesOn(extDir), [], "the killed server's backends are gone");
    });
  });
});
