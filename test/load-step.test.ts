// The one load step every mode plays its load through (harness/load/load-step.ts): a failing operator stops the
// load at once, a fault is the news rather than the operator that noticed it, and a runner that cannot run is one
// line. A real runner child against a real loopback server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { playLoad } from '../harness/load/load-step.ts';
import { processesWith, expectNoneLeft } from './helpers/processes.ts';
import { startServer } from './runner-server.ts';
import { UserError } from '../common/user-error.ts';

const SCRIPT = `
import http from 'k6/http';
export const options = { scenarios: { steady: { executor: 'constant-vus', vus: 2, duration: '60s' } } };
export default async function () {
  await http.asyncRequest('GET', __ENV.BASE + '/');
  await new Promise((r) => setTimeout(r, 20));
}
`;

function scriptFile(): { file: string; dir: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'loadlab-step-'));
  const file = path.join(dir, `step-${process.pid}-${Date.now()}.js`);
  writeFileSync(file, SCRIPT);
  return { file, dir };
}

test("an operator that fails stops the load within a second, and its error is the step's", async () => {
  const server = await startServer();
  const { file, dir } = scriptFile();
  try {
    let failedAt = 0;
    const started = performance.now();
    await assert.rejects(
      playLoad({
        script: file,
        env: { BASE: server.url },
        label: 'test',
        during: 'the test',
        progress: false,
        operators: async () => {
          // wait until the load really runs, then fail as a refused switch would
          while (server.received < 20) await new Promise((r) => setTimeout(r, 25));
          failedAt = performance.now();
          throw new UserError('the switch was refused');
        },
      }),
      /the switch was refused/,
    );
    const stoppedAfterMs = performance.now() - failedAt;
    assert.ok(failedAt > started);
    assert.ok(stoppedAfterMs < 1000, `the load stopped ${Math.round(stoppedAfterMs)} ms after the operator failed`);
    const served = server.received;
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(server.received, served, 'no request after the step ended');
    await expectNoneLeft(() => processesWith(file, ''), 'the runner', 2_000);
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a fault during the load is the news, not the operator that noticed the runner stop', async () => {
  const server = await startServer();
  const { file, dir } = scriptFile();
  const fault = new AbortController();
  try {
    await assert.rejects(
      playLoad({
        script: file,
        env: { BASE: server.url },
        label: 'test',
        during: 'the test',
        progress: false,
        signal: fault.signal,
        operators: async (runnerEnded) => {
          while (server.received < 20) await new Promise((r) => setTimeout(r, 25));
          fault.abort(new UserError('disk below its floor'));
          await runnerEnded;
          throw new UserError('the load run ended before the partition');
        },
      }),
      /disk below its floor/,
    );
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a script the runner cannot run is one line naming the load and the exit code', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'loadlab-step-'));
  const file = path.join(dir, 'broken.js');
  writeFileSync(file, 'export default function () { this is not javascript }\n');
  try {
    await assert.rejects(
      playLoad({ script: file, env: {}, label: 'test', during: 'the broken test', progress: false }),
      (err: unknown) =>
        err instanceof UserError && /^the load runner failed during the broken test \(exit \d+\)/.test(err.message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
