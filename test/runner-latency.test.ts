import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runScript } from '../runner/index.ts';
import { devNull, percentile, startServer } from './runner-server.ts';

test('a known latency mix: reported p(90)/p(95)/p(99) within 2 % of the server-side truth (past the HDR switch)', async (t) => {
  // 80 % at 10 ms, 12 % at 100 ms, 6 % at 400 ms, 2 % at 800 ms: each percentile falls inside a band, not on an edge
  const server = await startServer((n) => {
    const k = n % 50;
    return k < 40 ? 10 : k < 46 ? 100 : k < 49 ? 400 : 800;
  });
  try {
    const r = await runScript('test/fixtures/runner-latency.ts', {
      quiet: true,
      stdout: devNull(),
      stderr: devNull(),
      env: { BASE_URL: server.url, VUS: '100', ITERS: '120' },
    });
    assert.equal(r.exitCode, 0);
    const d = r.summary.metrics.http_req_duration.values;
    assert.equal(d.count, 12_000, 'more samples than the exact store keeps: percentiles come from HDR');
    for (const p of [90, 95, 99]) {
      const truth = percentile(server.handled, p);
      const got = d[`p(${p})`];
      t.diagnostic(`p(${p}) runner ${got.toFixed(2)} ms, server ${truth.toFixed(2)} ms`);
      assert.ok(Math.abs(got - truth) / truth < 0.02, `p(${p}) ${got} vs server ${truth}`);
    }
  } finally {
    await server.close();
  }
});
