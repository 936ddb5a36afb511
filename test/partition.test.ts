// load:partition: Ctrl-C in the middle of a partition; then end to end at a small scale (two web workers, four
// task workers, a short partition, both variants) into the interrupted run's folder; redis-server and a worker
// killed mid-run; bad input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { stateDir } from '../harness/files/paths.ts';
import { readLoadPoints } from '../harness/load/k6-points.ts';
import { ASYNC_NAMES } from '../harness/partition/phases.ts';
import type { PartitionSeries, PartitionSeriesPoint, PartitionVariant } from '../harness/partition/types.ts';
import { inPage, withBrowser } from './helpers/browser.ts';
import { checkCharts, readPlotted, type ExpectedSeries, type PlottedChart } from './helpers/chart-readback.ts';
import { ownDataDir } from './helpers/db.ts';
import {
  expectNoneLeft,
  expectUserErrors,
  loadPlaying,
  postmastersOn,
  processesWith,
  runCli,
} from './helpers/processes.ts';
import { checkRerender } from './helpers/rerender.ts';
import { sharedTimeout } from './helpers/timeouts.ts';

const loadTestDataDir = ownDataDir(import.meta.url);

const outRoot = path.join(stateDir, 'test-reports');
const env = { LOADLAB_PGDATA: loadTestDataDir };
const marker = `LOADLAB_PGDATA=${loadTestDataDir}`;
const small = ['--quick', '--web-workers', '2', '--task-workers', '4'];

/**
 * redis-servers of this test's runs: redis rewrites its process title over its environment, so they are found by
 * their working folder, the data folder the harness gives each under the state folder, named PORT-PID after the
 * process that started it. One whose starter is alive without this test's marker belongs to another test file
 * running meanwhile (partition-links starts its own); one whose starter is gone is an orphan, whoever's it was.
 */
function redisServers(): number[] {
  const root = path.join(stateDir, 'redis') + path.sep;
  const ours = (starter: number) => {
    try {
      return readFileSync(`/proc/${starter}/environ`, 'utf8').split('\0').includes(marker);
    } catch {
      return true; // gone: nobody else can stop it
    }
  };
  return readdirSync('/proc')
    .filter((pid) => /^\d+$/.test(pid))
    .map(Number)
    .filter((pid) => {
      try {
        const cwd = readlinkSync(`/proc/${pid}/cwd`);
        return (
          readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('redis-server') &&
          cwd.startsWith(root) &&
          ours(Number(path.basename(cwd).split('-')[1]))
        );
      } catch {
        return false; // gone, or not ours to read
      }
    });
}

/** every other process this mode starts carries the test's environment: haproxy, workers, the runner */
const leftovers = () => [
  ...postmastersOn(loadTestDataDir),
  ...redisServers(),
  ...[
    'haproxy',
    'shop/async/web-main.ts',
    'shop/async/task-main.ts',
    'runner/cli.ts',
    'scripts/load-partition.ts',
  ].flatMap((e) => processesWith(e, marker)),
];

const noLeftovers = () =>
  expectNoneLeft(leftovers, 'no postgres, redis-server, haproxy, worker or runner process remains');

/**
 * What report.html must draw, written from series.json's fields (not from the report's chart code): per variant
 * both failure rates in percent, both send rates per second, and the workers in service.
 */
function partitionExpectations(series: Partial<Record<PartitionVariant, PartitionSeries>>): ExpectedSeries[] {
  const out: ExpectedSeries[] = [];
  for (const [v, s] of Object.entries(series)) {
    const add = (chart: string, metric: string, get: (p: PartitionSeriesPoint) => number | null) => {
      const points = s.points.map((p) => ({ x: p.t_s, y: get(p) }));
      if (points.some((p) => p.y !== null)) out.push({ chart, label: `${v} ${metric}`, points });
    };
    add('chart-async', 'async failed %', (p) => (p.async_failed_rate === null ? null : p.async_failed_rate * 100));
    add('chart-async', 'async actions/s', (p) => p.async_actions / s.bucket_s);
    add('chart-pages', 'pages failed %', (p) => (p.pages_failed_rate === null ? null : p.pages_failed_rate * 100));
    add('chart-pages', 'pages/s', (p) => p.pages / s.bucket_s);
    add('chart-workers', 'web workers in rotation', (p) => p.webs_in_rotation);
    add('chart-workers', 'task workers taking tasks', (p) => p.tasks_taking);
  }
  return out;
}

/** the values one series plotted between two times (a gap is left out) */
function plottedBetween(charts: PlottedChart[], id: string, label: string, from: number, to: number): number[] {
  const c = charts.find((x) => x.id === id)!;
  const y = c.series.find((s) => s.label === label)!.y;
  return c.x.flatMap((x, i) => (x >= from && x < to && typeof y[i] === 'number' ? [y[i] as number] : []));
}

/** the interrupted run's folder, which the small run below goes into again */
const reused = path.join(outRoot, `partition-${process.pid}`);

test('Ctrl-C during the partition stops redis-server, haproxy, workers, runner and postgres, and leaves the run marked incomplete', {
  timeout: sharedTimeout(120_000),
}, async () => {
  const out = reused;
  rmSync(out, { recursive: true, force: true });
  let sent = false;
  const r = await runCli(
    'load:partition',
    [...small, '--variants', 'before', '--phase-seconds', '4,30,4', '--out', out],
    env,
    undefined,
    (stdout, kill) => {
      // the harness prints the line as it cuts the links, while the load plays on: the partition is on now
      if (!sent && /partition: cut/.test(stdout)) {
        sent = true;
        kill('SIGINT');
      }
    },
  );
  assert.ok(sent, `the partition started: ${r.stdout}`);
  assert.equal(r.code, 130, r.stderr.slice(-1000));
  await noLeftovers();
  assert.ok(existsSync(path.join(out, 'INCOMPLETE')), 'the run folder says it is incomplete');
  assert.ok(
    !existsSync(path.join(out, 'report.md')) && !existsSync(path.join(out, 'summary.json')),
    'no report that looks finished',
  );
});

test('load:partition at small scale: before fails a share of the asynchronous actions during the partition, after none; pages stay up; nothing lost or doubled', {
  timeout: sharedTimeout(300_000),
}, async (t) => {
  // into the interrupted run's folder, as a user may: its carts, still in the database, are not this run's
  const out = reused;
  const r = await runCli('load:partition', [...small, '--phase-seconds', '5,10,5', '--out', out], env);
  assert.equal(r.code, 0, `exit code; stderr: ${r.stderr.slice(-2000)}`);
  await noLeftovers();
  for (const f of [
    'summary.json',
    'series.json',
    'report.md',
    'report.html',
    'k6-summary-before.json',
    'k6-summary-after.json',
    'haproxy-before.cfg',
  ])
    assert.ok(existsSync(path.join(out, f)), `${f} exists`);
  assert.ok(!existsSync(path.join(out, 'INCOMPLETE')));

  const s = JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8'));
  assert.equal(s.schema, 'loadlab.partition/v1');
  assert.deepEqual(s.topology.partition, { web_workers_cut_off: ['web2'], task_workers_redis_only: ['task4'] });
  for (const name of ['before', 'after']) {
    const v = s.variants[name];
    for (const phase of ['baseline', 'partition', 'recovery']) {
      for (const kind of ['async_actions', 'pages']) {
        const f = v.phases[phase][kind];
        assert.ok(Number.isInteger(f.count) && f.count > 0, `${name}.${phase}.${kind}.count`);
        assert.ok(f.failed_rate >= 0 && f.failed_rate <= 1, `${name}.${phase}.${kind}.failed_rate`);
      }
      assert.ok(
        v.phases[phase].pages.failed_rate <= 0.02,
        `${name} ${phase}: pages stay up (${v.phases[phase].pages.failed_rate})`,
      );
    }
    assert.equal(v.lost_or_duplicated, 0, `${name}: ${JSON.stringify(v.check)}`);
    assert.ok(v.check.positions_added > 0 && v.check.orders_placed > 0, `${name}: the check saw carts and orders`);
    // an action sent just before the cut can run into it and fail: it counts in baseline, where it was sent (the
    // contract), but it was still running at the cut. Healthy means no action that ended before the cut failed.
    const points = await readLoadPoints(path.join(out, `k6-points-${name}.json.gz`));
    const cutMs = Date.parse(v.timeline.load_started_at) + v.timeline.cut_s * 1000;
    const failedBeforeCut = points.requests.filter((r) => ASYNC_NAMES.has(r.name) && r.failed && r.ms < cutMs - 250);
    assert.deepEqual(
      failedBeforeCut.map((r) => `${r.name} ${r.status} ${((cutMs - r.ms) / 1000).toFixed(2)} s before the cut`),
      [],
      `${name}: baseline is healthy`,
    );
    assert.ok(
      v.rotation.some(
        (e: { worker: string; state: string; at_s: number }) =>
          e.worker === 'web2' && e.state === 'DOWN' && e.at_s >= v.timeline.cut_s,
      ),
      `${name}: web2 left the rotation after the cut`,
    );
  }
  const before = s.variants.before;
  const after = s.variants.after;
  const bp = before.phases.partition.async_actions;
  assert.ok(
    bp.failed_rate > 0.05 && bp.failed_rate < 0.6,
    `before: a share of the asynchronous actions failed (${bp.failed_rate} of ${bp.count})`,
  );
  assert.ok(before.partition_tasks_by_worker.task4.failed > 0, 'before: the Redis-only worker failed tasks');
  assert.equal(after.phases.partition.async_actions.failed_rate, 0, 'after: no asynchronous action failed');
  assert.equal(after.partition_tasks_by_worker.task4.failed, 0);
  assert.ok(
    after.gate_closed_after_s.task4 !== null && after.gate_closed_after_s.task4 <= 5,
    `after: task4 stopped taking tasks within seconds (${after.gate_closed_after_s.task4})`,
  );

  const series = JSON.parse(readFileSync(path.join(out, 'series.json'), 'utf8')) as Partial<
    Record<PartitionVariant, PartitionSeries>
  >;
  await withBrowser(t, async (browser) => {
    const { charts, ...problems } = await inPage(browser, path.join(out, 'report.html'), async (page) => ({
      charts: await readPlotted(page),
    }));
    assert.deepEqual(problems, { pageErrors: [], consoleErrors: [], foreignRequests: [] });
    const phases = Object.values(series).flatMap((s) => s.phases);
    const window: [number, number] = [
      Math.min(...phases.map((p) => p.start_s)),
      Math.max(...phases.map((p) => p.end_s)),
    ];
    assert.deepEqual(checkCharts(charts, partitionExpectations(series), { window, xRange: 'exact', bins: 5 }), []);
    const { cut_s: cut, healed_s: healed } = before.timeline;
    assert.ok(
      Math.max(...plottedBetween(charts, 'chart-async', 'before async failed %', cut, healed)) > 0,
      'before draws failures inside the partition',
    );
    assert.deepEqual(
      [
        ...new Set(
          plottedBetween(charts, 'chart-async', 'after async failed %', after.timeline.cut_s, after.timeline.healed_s),
        ),
      ],
      [0],
      'after draws none',
    );
    assert.ok(
      plottedBetween(charts, 'chart-workers', 'before web workers in rotation', cut, healed).includes(1),
      'the rotation drops to one web worker',
    );
  });
  // npm run report re-renders the folder byte for byte, and names a broken field in one line
  await checkRerender(
    out,
    ['variants', 'after', 'phases', 'partition', 'pages', 'failed_rate'],
    'none',
    /^error: .*summary\.json: variants\.after\.phases\.partition\.pages\.failed_rate: .*\(expected a loadlab\.partition\/v1 summary\)\n$/,
  );
  rmSync(out, { recursive: true, force: true });
});

/**
 * A run of `before` in which the process `pick` finds gets SIGKILL once stdout matched `when` and, with
 * `playing`, the load plays (loadPlaying).
 */
async function killDuringRun(name: string, when: RegExp, playing: boolean, pick: () => number[]) {
  const out = path.join(outRoot, `partition-fault-${name}-${process.pid}`);
  rmSync(out, { recursive: true, force: true });
  let killed: number[] = [];
  let failed = '';
  const r = await runCli(
    'load:partition',
    [...small, '--variants', 'before', '--phase-seconds', '4,20,4', '--out', out],
    env,
    undefined,
    (stdout) => {
      if (killed.length === 0 && when.test(stdout)) {
        killed = [-1];
        (playing ? loadPlaying(loadTestDataDir) : Promise.resolve()).then(
          () => {
            killed = pick();
            for (const pid of killed) process.kill(pid, 'SIGKILL');
          },
          (err: Error) => (failed = err.message),
        );
      }
    },
  );
  assert.equal(failed, '', 'the load played');
  return { r, out, killed };
}

test('a redis-server or a worker that dies mid-run stops it with one line and an INCOMPLETE folder; links the partition cuts do not', {
  timeout: sharedTimeout(240_000),
}, async (t) => {
  const cases: [string, RegExp, boolean, () => number[], RegExp][] = [
    ['redis', /before: baseline \d+ s/, true, redisServers, /redis-server ended unexpectedly \(killed by SIGKILL\)/],
    // task4 is the worker whose PostgreSQL link the partition cut: its lost link is expected, its death is not
    [
      'task4',
      /partition: cut/,
      false,
      () =>
        processesWith('shop/async/task-main.ts', 'SHOP_WORKER_NAME=task4').filter((pid) =>
          processesWith('shop/async/task-main.ts', marker).includes(pid),
        ),
      /task worker task4 \(before\) ended unexpectedly \(killed by SIGKILL\)/,
    ],
  ];
  for (const [name, when, playing, pick, reason] of cases) {
    const { r, out, killed } = await killDuringRun(name, when, playing, pick);
    assert.equal(killed.length, 1, `one ${name} process was killed: ${killed.join(', ')}; ${r.stdout}`);
    assert.equal(r.code, 1, `${name} killed (pid ${killed[0]}); stdout: ${r.stdout}; stderr: ${r.stderr.slice(-2000)}`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `one line: ${r.stderr}`);
    assert.match(lines[0], new RegExp(`^error: run stopped: ${reason.source}; run folder marked INCOMPLETE: `));
    assert.match(r.stdout, /^fault: /m, 'the harness said what it noticed');
    assert.match(
      readFileSync(path.join(out, 'INCOMPLETE'), 'utf8'),
      new RegExp(`^this run did not finish \\(${reason.source}[^]*before: stopped [\\d.]+ s into its load`),
    );
    assert.ok(
      ['summary.json', 'report.md'].every((f) => !existsSync(path.join(out, f))),
      'no report that looks finished',
    );
    await noLeftovers();
    t.diagnostic(`${name}: ${lines[0]}`);
    rmSync(out, { recursive: true, force: true });
  }
});

test('load:partition rejects bad input with one line and starts nothing', async () => {
  const notARun = path.join(outRoot, 'partition-not-a-run');
  mkdirSync(notARun, { recursive: true });
  writeFileSync(path.join(notARun, 'notes.txt'), 'keep me');
  await expectUserErrors(
    'load:partition',
    [
      [['--variants', 'before,sideways'], /unknown variant 'sideways' \(accepted: before, after\)/],
      [['--phase-seconds', '10,20'], /--phase-seconds '10,20' is not valid/],
      [['--web-workers', '1'], /--web-workers 1 is out of range \(accepted: 2 to/],
      [['--out', notARun], /exists and is not a loadlab run folder/],
    ],
    env,
  );
  await expectUserErrors(
    'load:partition',
    [
      [
        ['--quick'],
        /^error: not starting: only [\d.]+ \w+ free on the disk of the database's data folder \(.*\), below the floor of .*\(LOADLAB_DISK_FLOOR=100%\)$/,
      ],
    ],
    { ...env, LOADLAB_DISK_FLOOR: '100%' },
  );
  assert.equal(readFileSync(path.join(notARun, 'notes.txt'), 'utf8'), 'keep me');
  await noLeftovers();
});
