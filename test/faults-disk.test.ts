// A filling disk (issue 15), for real: the data folder lives on a tmpfs of 400 MiB, and a before run on 10,000
// dates with a small work_mem spills temporary files onto it. With temp_file_limit off (the override a user
// could set) the disk watchdog must stop the run below its floor: INCOMPLETE with the disk reason and figures,
// a clean shutdown, the data intact. With the limit sized as usual, the same spilling query fails with a 503
// (counted as an error, like a timeout) instead of taking the disk. Needs root to mount the tmpfs.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, rmdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stateDir } from '../harness/files/paths.ts';
import { diskSpace } from '../harness/db/disk.ts';
import { openDataset, type OpenedDataset } from '../harness/db/dataset.ts';
import { startShop, type RunningShop } from '../shop/server.ts';
import { runCli, serverProcessesOn } from './helpers/processes.ts';
import { sharedTimeout } from './helpers/timeouts.ts';
import { DEFAULT_POOL_SIZE } from '../shop/db.ts';

const MiB = 1024 ** 2;
const mount = path.join(os.tmpdir(), `loadlab-disk-test-${process.pid}`);
const dataDir = path.join(mount, 'pgdata');
const out = path.join(stateDir, 'test-reports', `fault-disk-${process.pid}`);
// 10,000 dates: each before call spills about 23 MiB at work_mem=1MB, so a busy pool holds 100+ MiB of temp files
const preset = 'dates-10000';
const skip =
  process.getuid?.() !== 0
    ? 'needs root to mount a size-limited tmpfs'
    : process.env.DATABASE_URL?.trim()
      ? 'DATABASE_URL is set: this test needs an embedded server on a small disk'
      : false;

/** a floor 96 MiB below what is free now: the spills of a busy pool cross it, the data alone never does */
const floorNow = () => String(diskSpace(mount).free - 96 * MiB);
/** sessions that can spill at once on the embedded server: the shop's default pool and one more */
const SESSIONS = DEFAULT_POOL_SIZE + 1;

describe('a filling disk', { skip }, () => {
  let mounted = false;
  let ds: OpenedDataset | undefined;
  let shop: RunningShop | undefined;
  after(async () => {
    await shop?.close();
    await ds?.db.close();
    if (mounted) execFileSync('umount', [mount]);
    if (existsSync(mount)) rmdirSync(mount);
    rmSync(out, { recursive: true, force: true });
  });

  it('the watchdog stops a spilling run below the floor, the database shuts down cleanly and starts again', {
    timeout: sharedTimeout(120_000),
  }, async (t) => {
    mkdirSync(mount, { recursive: true });
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=400m,mode=0755', 'tmpfs', mount], { stdio: 'pipe' });
      mounted = true;
    } catch (err) {
      return t.skip(`cannot mount a tmpfs here: ${(err as Error).message.split('\n')[0]}`);
    }
    const env = { LOADLAB_PGDATA: dataDir };
    const seeded = await runCli('dataset:prepare', ['--preset', preset], env);
    assert.equal(seeded.code, 0, seeded.stderr);

    const freeBefore = diskSpace(mount).free;
    const t0 = performance.now();
    let loadAt = 0;
    let noticedAt = 0;
    const r = await runCli(
      'load:incident',
      // ten connections: ten spills at once cross the floor (the default, one per core, spills two at a time)
      ['--preset', preset, '--quick', '--variants', 'before', '--baseline-rate', '300', '--pool', '10', '--out', out],
      { ...env, LOADLAB_DISK_FLOOR: floorNow(), LOADLAB_PG_SETTINGS: 'work_mem=1MB,temp_file_limit=-1' },
      undefined,
      (stdout) => {
        if (!loadAt && /before: baseline/.test(stdout)) loadAt = performance.now();
        if (!noticedAt && /^fault: /m.test(stdout)) noticedAt = performance.now();
      },
    );
    assert.equal(r.code, 1, `${r.stdout}\n${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(
      lines[0],
      /^error: run stopped: only [\d.]+ MiB free on the disk of the database's data folder \(.*\), below the floor of [\d.]+ MiB \(LOADLAB_DISK_FLOOR=\d+\); run folder marked INCOMPLETE/,
    );
    const marker = readFileSync(path.join(out, 'INCOMPLETE'), 'utf8');
    assert.match(marker, /^this run did not finish \(only [\d.]+ MiB free on the disk of the database's data folder/);
    assert.match(
      marker,
      /disk: [\d.]+ MiB free of 400 MiB at the stop, [\d.]+ MiB when the watch began; floor [\d.]+ MiB/,
    );
    const temp = /PostgreSQL temporary files at the stop: ([\d.]+) (MiB|KiB|B)/.exec(marker);
    assert.ok(temp && temp[2] === 'MiB' && Number(temp[1]) > 10, `the spill is what filled the disk: ${marker}`);
    assert.match(marker, /before: stopped [\d.]+ s into its load: \d+ requests/);
    assert.ok(!existsSync(path.join(out, 'summary.json')), 'no finished-looking summary');
    t.diagnostic(
      `stopped ${((noticedAt - loadAt) / 1000).toFixed(1)} s into the load (run ${((performance.now() - t0) / 1000).toFixed(1)} s); ${lines[0]}`,
    );

    assert.deepEqual(serverProcessesOn(dataDir), [], 'the server and its backends ended');
    const log = readFileSync(`${dataDir}.log`, 'utf8').trim().split('\n');
    assert.match(log.at(-1)!, /database system is shut down/, 'a clean shutdown, not a crash');
    assert.ok(diskSpace(mount).free > freeBefore - 8 * MiB, 'the temporary files are gone');
  });

  it('with the limit sized from the free space, the spilling query fails as a 503 instead of filling the disk', {
    timeout: sharedTimeout(60_000),
  }, async (t) => {
    if (!mounted) return t.skip('no tmpfs');
    const notes: string[] = [];
    const saved = { floor: process.env.LOADLAB_DISK_FLOOR, settings: process.env.LOADLAB_PG_SETTINGS };
    // 8.5 MiB above the floor for each session that can spill at once (the shop's pool and one more): 8MB each
    process.env.LOADLAB_DISK_FLOOR = String(diskSpace(mount).free - 8.5 * MiB * SESSIONS);
    process.env.LOADLAB_PG_SETTINGS = 'work_mem=1MB';
    try {
      ds = await openDataset({ preset, dataDir, log: (l) => notes.push(l) });
    } finally {
      for (const [k, v] of [
        ['LOADLAB_DISK_FLOOR', saved.floor],
        ['LOADLAB_PG_SETTINGS', saved.settings],
      ] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
    assert.ok(ds.result.reused, 'the data survived the stopped run');
    assert.deepEqual(
      notes.filter((n) => /did not shut down cleanly/.test(n)),
      [],
      'no crash recovery was needed',
    );
    assert.equal(ds.db.tempFileLimit.setting, '8MB');
    assert.match(
      ds.db.tempFileLimit.basis,
      new RegExp(`free above a floor of .* \\(LOADLAB_DISK_FLOOR=\\d+\\), shared by ${SESSIONS} sessions`),
    );

    shop = await startShop({ databaseUrl: ds.db.url, variant: 'before' });
    const date = ds.result.manifest.hot_subevent_first + 5000;
    const res = await fetch(`${shop.url}/citymuseum/timeslots/${date}/`);
    const body = await res.text();
    assert.equal(res.status, 503, body.slice(0, 500));
    assert.match(body, /temporary file size exceeds .*temp_file_limit.* \(8192kB\)/);
    const metrics = await (await fetch(`${shop.url}/metrics`)).text();
    assert.match(metrics, /status="503"/);
  });
});
