// A child the harness waits for (the shop, redis-server, haproxy) that ends before it says it is ready: one line
// naming it and how it ended, whether by an exit code with its last words or by a signal.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { $ } from 'zx';
import { superviseService } from '../../harness/process/service.ts';

const child = (code: string) =>
  $({ quiet: true, nothrow: true, stdio: ['ignore', 'pipe', 'pipe'] })`${process.execPath} -e ${code}`;

test('a child that exits before it is ready: its name, the exit code and the last thing it said', async () => {
  await assert.rejects(
    superviseService(
      'the shop (after)',
      child("console.error('starting'); console.error('no database at 127.0.0.1:1'); process.exit(3)"),
      /listening/,
    ),
    {
      message: 'the shop (after) ended before it was ready (exit 3: no database at 127.0.0.1:1)',
    },
  );
});

test('a child killed before it is ready: its name and the signal, no empty last line', async () => {
  await assert.rejects(
    superviseService('the shop (after)', child("process.kill(process.pid, 'SIGKILL')"), /listening/),
    {
      message: 'the shop (after) ended before it was ready (killed by SIGKILL)',
    },
  );
});

test('a child that says it is ready gives what the pattern caught', async () => {
  const s = await superviseService(
    'a server',
    child("console.log('listening on http://127.0.0.1:4321'); setTimeout(() => {}, 60000)"),
    /listening on (\S+)/,
  );
  assert.equal(s.ready, 'http://127.0.0.1:4321');
  await s.stop();
});
