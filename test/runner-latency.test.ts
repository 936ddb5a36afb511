import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TrendSink } from '../runner/metrics/hdr.ts';
import { aggregate } from '../runner/metrics/sinks.ts';
import { runScript } from '../runner/index.ts';
import { devNull, percentile, startServer } from './runner-server.ts';

/** 80 % at 10 ms, 12 % at 100 ms, 6 % at 400 ms, 2 % at 800 ms: each percentile falls inside a band, not on an edge */
const mix = (n: number) => {
  const k = n % 50;
  return k < 40 ? 10 : k < 46 ? 100 : k < 49 ? 400 : 800;
};

test('the trend store past the HDR switch: p(90)/p(95)/p(99) within 2 % of the exact percentiles (no socket)', () => {
  const sink = new TrendSink();
  const values: number[] = [];
  // a little spread around each band, as real timings have, from a fixed sequence
  for (let n = 0; n < 12_000; n++) {
    const v = mix(n) * (1 + ((n * 7919) % 101) / 1000);
    values.push(v);
    sink.add(v);
  }
  for (const p of [90, 95, 99]) {
    const truth = percentile(values, p);
    const got = aggregate(sink, `p(${p})`, 1)!;
    assert.ok(Math.abs(got - truth) / truth < 0.02, `p(${p}) ${got} vs exact ${truth}`);
  }
});

test('a known latency mix end to end: every request counted, percentiles at or above the server-side truth', async (t) => {
  const server = await startServer(mix);
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
      // the client's time holds the server's and the way there and back; on a busy machine, its own waiting too
      assert.ok(got >= truth * 0.98 && got < truth + 150, `p(${p}) ${got} vs server ${truth}`);
    }
  } finally {
    await server.close();
  }
});
