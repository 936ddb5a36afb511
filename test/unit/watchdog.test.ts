// The watchdog on real processes and a real folder (no database): what the other long modes rely on when they
// call it. A child that dies is a fault within a tick; the run's body is given its time to unwind, the folder
// is marked with the reason and the figures so far, and the fault is the one line the command ends with.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Watchdog } from '../../harness/guard/watchdog.ts';
import { RunFault } from '../../harness/guard/fault.ts';
import { RunFolder } from '../../harness/files/run-folder.ts';

function child(): { pid: number; end: Promise<string> } {
  const c = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  return {
    pid: c.pid!,
    end: new Promise((resolve) =>
      c.once('exit', (code, signal) => resolve(signal ? `killed by ${signal}` : `exit ${code}`)),
    ),
  };
}

test('a watched child that dies stops the run: the body unwinds, the folder keeps the reason and figures', async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'loadlab-watchdog-'));
  try {
    const folder = RunFolder.create(root, path.join(root, 'run'));
    const said: string[] = [];
    const watchdog = new Watchdog((l) => said.push(l));
    watchdog.watchDisk('the run folder', folder.dir);
    const worker = child();
    watchdog.watchProcess('process', 'the task worker', worker.end);
    let unwound = false;
    const t0 = performance.now();
    const run = watchdog.run(folder, async (signal) => {
      watchdog.record('step 1: 12 requests (finished)');
      setTimeout(() => process.kill(worker.pid, 'SIGKILL'), 100);
      // work that only ends when told to, as a load runner does
      await new Promise<void>((resolve) =>
        signal.addEventListener('abort', () => setTimeout(resolve, 50), { once: true }),
      );
      unwound = true;
      signal.throwIfAborted();
    });
    const err = await run.then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof RunFault, String(err));
    assert.equal(err.kind, 'process');
    assert.match(
      err.message,
      /^run stopped: the task worker ended unexpectedly \(killed by SIGKILL\); run folder marked INCOMPLETE: /,
    );
    assert.ok(unwound, 'the body got to finish its own stop before the fault was thrown');
    assert.ok(performance.now() - t0 < 5000);
    assert.deepEqual(said, ['fault: the task worker ended unexpectedly (killed by SIGKILL); stopping the load']);
    const marker = readFileSync(folder.file('INCOMPLETE'), 'utf8');
    assert.match(marker, /^this run did not finish \(the task worker ended unexpectedly \(killed by SIGKILL\)\)/);
    assert.match(marker, /\n {2}step 1: 12 requests \(finished\)\n/);
    folder.markIncomplete('interrupted');
    assert.equal(readFileSync(folder.file('INCOMPLETE'), 'utf8'), marker, 'the first reason stays');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a run that ends well is not disturbed, and a disk below its floor refuses the start', async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'loadlab-watchdog-'));
  try {
    const folder = RunFolder.create(root, path.join(root, 'run'));
    const watchdog = new Watchdog(() => {});
    const worker = child();
    watchdog.watchProcess('shop', 'the shop', worker.end);
    assert.equal(await watchdog.run(folder, async () => 42), 42);
    process.kill(worker.pid, 'SIGKILL'); // after the run: no longer a fault
    await worker.end;

    const saved = process.env.LOADLAB_DISK_FLOOR;
    process.env.LOADLAB_DISK_FLOOR = '100%';
    try {
      assert.throws(
        () => new Watchdog(() => {}).watchDisk('the run folder', folder.dir),
        /^UserError: not starting: only .* free on the disk of the run folder \(.*\), below the floor of .* \(LOADLAB_DISK_FLOOR=100%\)$/,
      );
    } finally {
      if (saved === undefined) delete process.env.LOADLAB_DISK_FLOOR;
      else process.env.LOADLAB_DISK_FLOOR = saved;
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
