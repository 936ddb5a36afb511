// phaseDeltas and readSamples on hand-made samples: the arithmetic the incident summary relies on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  phaseDeltas,
  queryTexts,
  readSamples,
  type Sample,
  type StatementCounters,
} from '../../harness/stats/index.ts';

function stmt(calls: number, total: number, tempWritten = 0, hit = 0, read = 0): StatementCounters {
  return {
    calls,
    total_exec_time: total,
    mean_exec_time: calls ? total / calls : 0,
    shared_blks_hit: hit,
    shared_blks_read: read,
    temp_blks_read: 0,
    temp_blks_written: tempWritten,
    rows: calls,
    entries: 1,
  };
}

function sample(
  ts: number,
  o: {
    temp?: number;
    read?: number;
    hit?: number;
    os?: number;
    cpu?: number;
    active?: number;
    before?: StatementCounters;
    error?: boolean;
    noProc?: boolean;
  },
): Sample {
  const failed = o.error === true;
  return {
    t: new Date(ts).toISOString(),
    ts_ms: ts,
    database: failed
      ? null
      : {
          numbackends: 1,
          blks_read: o.read ?? 0,
          blks_hit: o.hit ?? 0,
          temp_files: (o.temp ?? 0) > 0 ? 1 : 0,
          temp_bytes: o.temp ?? 0,
          tup_returned: 0,
          tup_fetched: 0,
          xact_commit: 0,
          xact_rollback: 0,
          blk_read_time: 0,
          blk_write_time: 0,
        },
    io: null,
    statements: failed ? null : o.before ? { before: o.before } : {},
    activity: failed
      ? null
      : {
          connections: 2,
          active: o.active ?? 0,
          idle: 0,
          idle_in_transaction: 0,
          waiting: {},
          parallel_workers: 0,
          longest_active_ms: 0,
        },
    proc: o.noProc
      ? null
      : {
          processes: 5,
          cpu_ms: o.cpu ?? 0,
          read_bytes: o.os ?? 0,
          write_bytes: (o.os ?? 0) * 2,
          cancelled_write_bytes: 0,
          rchar: 0,
          wchar: 0,
        },
    sampler: { ms: 1, db_ms: 1, proc_ms: 0 },
    ...(failed ? { error: 'connection refused' } : {}),
  };
}

const T = 1_000_000;
const samples: Sample[] = [
  sample(T + 0, { temp: 0, read: 10, hit: 100, os: 0, cpu: 0, before: stmt(0, 0) }),
  sample(T + 1000, { temp: 1000, read: 20, hit: 200, os: 4096, cpu: 10, active: 1, before: stmt(2, 200, 5, 1, 1) }),
  sample(T + 2000, { temp: 3000, read: 30, hit: 300, os: 8192, cpu: 30, active: 3, before: stmt(4, 600, 15, 2, 2) }),
  sample(T + 3000, { error: true, cpu: 40, os: 8192 }),
  sample(T + 4000, { temp: 7000, read: 50, hit: 500, os: 16384, cpu: 60, active: 2, before: stmt(10, 1800, 45, 5, 5) }),
];

test('phases run from the last sample at/before their start to the last at/before their end, and add up to the whole', () => {
  const [a, b, whole] = phaseDeltas(
    samples,
    [
      { name: 'baseline', startMs: T + 500, endMs: T + 2500 },
      { name: 'tripled', startMs: T + 2500, endMs: T + 9000 },
      { name: 'all', startMs: T - 5000, endMs: T + 9000 },
    ],
    { variant: 'before' },
  );
  assert.equal(a.from_ms, T + 0);
  assert.equal(a.to_ms, T + 2000);
  assert.equal(a.temp_bytes, 3000);
  assert.equal(a.blks_read, 20);
  assert.equal(a.blks_hit, 200);
  assert.equal(a.os_read_bytes, 8192);
  assert.equal(a.os_write_bytes, 16384);
  assert.equal(a.cpu_ms, 30);
  assert.deepEqual(a.product_list_query, {
    calls: 4,
    mean_ms: 150,
    shared_blks_hit: 2,
    shared_blks_read: 2,
    temp_blks_read: 0,
    temp_blks_written: 15,
    rows: 4,
  });
  // the failed sample at +3000 is bridged: database counters go from +2000 to +4000, proc uses it
  assert.equal(b.from_ms, T + 2000);
  assert.equal(b.to_ms, T + 4000);
  assert.equal(b.temp_bytes, 4000);
  assert.equal(b.product_list_query?.calls, 6);
  assert.equal(b.product_list_query?.mean_ms, 200); // (1800 - 600) / (10 - 4)
  assert.equal(b.cpu_ms, 30);
  assert.equal(whole.temp_bytes, (a.temp_bytes ?? 0) + (b.temp_bytes ?? 0));
  assert.equal(whole.product_list_query?.calls, 10);
});

test('rate series: per second between consecutive samples, gaps where a sample failed', () => {
  const [p] = phaseDeltas(samples, [{ name: 'all', startMs: T, endMs: T + 4000 }]);
  assert.equal(p.series.length, 4);
  assert.deepEqual(p.series[0], {
    t_ms: T + 1000,
    temp_bytes_per_s: 1000,
    blks_read_per_s: 10,
    blks_hit_per_s: 100,
    os_read_bytes_per_s: 4096,
    os_write_bytes_per_s: 8192,
    active_connections: 1,
  });
  assert.equal(p.series[1].temp_bytes_per_s, 2000);
  assert.equal(p.series[2].temp_bytes_per_s, null);
  assert.equal(p.series[2].os_read_bytes_per_s, 0);
  assert.equal(p.series[2].active_connections, null);
  assert.equal(p.series[3].temp_bytes_per_s, null);
});

test('a counter that goes down was reset: the step adds what was counted since', () => {
  const s = [
    sample(T, { temp: 5000, before: stmt(10, 100) }),
    sample(T + 1000, { temp: 6000, before: stmt(12, 140) }),
    sample(T + 2000, { temp: 500, before: stmt(1, 30) }), // pg_stat_reset + pg_stat_statements_reset
    sample(T + 3000, { temp: 800, before: stmt(3, 70) }),
  ];
  const [p] = phaseDeltas(s, [{ name: 'p', startMs: T, endMs: T + 3000 }], { variant: 'before' });
  assert.equal(p.temp_bytes, 1000 + 500 + 300);
  assert.equal(p.product_list_query?.calls, 2 + 1 + 2);
  assert.equal(p.product_list_query?.mean_ms, (40 + 30 + 40) / 5);
});

test('unavailable sources give null, an absent variant gives zero calls, no samples give nulls', () => {
  const s = [sample(T, { noProc: true }), sample(T + 1000, { noProc: true, temp: 10 })];
  for (const x of s) x.statements = null;
  const [p] = phaseDeltas(s, [{ name: 'p', startMs: T, endMs: T + 1000 }], { variant: 'after' });
  assert.equal(p.product_list_query, null);
  assert.equal(p.os_read_bytes, null);
  assert.equal(p.cpu_ms, null);
  assert.equal(p.temp_bytes, 10);
  const [q] = phaseDeltas(samples, [{ name: 'q', startMs: T, endMs: T + 4000 }], { variant: 'after' });
  assert.deepEqual(q.product_list_query, {
    calls: 0,
    mean_ms: null,
    shared_blks_hit: 0,
    shared_blks_read: 0,
    temp_blks_read: 0,
    temp_blks_written: 0,
    rows: 0,
  });
  const [e] = phaseDeltas([], [{ name: 'e', startMs: 0, endMs: 1 }]);
  assert.equal(e.temp_bytes, null);
  assert.deepEqual(e.series, []);
});

test('readSamples reads NDJSON in time order and skips a torn last line', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'loadlab-stats-'));
  try {
    const file = path.join(dir, 's.ndjson');
    writeFileSync(file, `${JSON.stringify(samples[1])}\n${JSON.stringify(samples[0])}\n\n{"t":"2026-`);
    const read = await readSamples(file);
    assert.deepEqual(
      read.map((s) => s.ts_ms),
      [T, T + 1000],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('every statement by queryid: absent before its first run counts from zero, failed samples are bridged', () => {
  const q = (calls: number, blocks: number) => ({
    calls,
    exec_ms: calls * 1.5,
    blocks,
    temp_blocks: 0,
    temp_written: 0,
    rows: calls,
  });
  const s: Sample[] = [
    { ...sample(T, {}), queries: {} },
    { ...sample(T + 1000, {}), queries: { '11': q(3, 30) }, query_texts: { '11': 'SELECT 1' } },
    { ...sample(T + 2000, { error: true }), queries: null },
    { ...sample(T + 3000, {}), queries: { '11': q(5, 50), '22': q(1, 7) }, query_texts: { '22': 'SELECT 2' } },
  ];
  const [a, b] = phaseDeltas(s, [
    { name: 'a', startMs: T, endMs: T + 1000 },
    { name: 'b', startMs: T + 1000, endMs: T + 3000 },
  ]);
  assert.deepEqual(a.queries, { '11': q(3, 30) });
  assert.deepEqual(b.queries, { '11': { ...q(2, 20), exec_ms: 3 }, '22': q(1, 7) });
  assert.deepEqual(
    [...queryTexts(s)],
    [
      ['11', 'SELECT 1'],
      ['22', 'SELECT 2'],
    ],
  );
  // older sample files have no statements at all
  assert.equal(phaseDeltas(samples, [{ name: 'x', startMs: T, endMs: T + 4000 }])[0].queries, null);
});
