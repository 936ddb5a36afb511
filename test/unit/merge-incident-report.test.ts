// The merged incident report: from merge.json and the instances' k6 JSON files it names, per phase and endpoint,
// every instance's requests counted once, with the verdicts; per second over the whole merged range (series.json,
// the charts of report.html, their peaks in words); only for the project's incident script (by content).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { projectRoot } from '../../harness/files/paths.ts';
import { INCIDENT_SCRIPT } from '../../harness/load/incident-script.ts';
import { writeMergedIncidentReport } from '../../harness/merge/incident-report.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'merge-report-'));

/** k6's lines for requests of `scenario`: a duration point then its failed point, as k6 emits them. */
function lines(t0: number, scenario: string, durations: number[], failedEvery = 0): string {
  const out: string[] = [];
  durations.forEach((d, i) => {
    const tags = JSON.stringify({ scenario, name: 'product-list', status: '200' });
    const time = new Date(t0 + i * 100).toISOString();
    out.push(`{"metric":"http_req_duration","type":"Point","data":{"time":"${time}","value":${d},"tags":${tags}}}`);
    const failed = failedEvery > 0 && i % failedEvery === 0 ? 1 : 0;
    out.push(`{"metric":"http_req_failed","type":"Point","data":{"time":"${time}","value":${failed},"tags":${tags}}}`);
  });
  return `${out.join('\n')}\n`;
}

test('a merged incident run: phases and endpoints over all instances, the verdicts, no database columns', async () => {
  const t0 = Date.parse('2026-12-06T10:00:00Z');
  const a = path.join(dir, 'a.json.gz');
  const b = path.join(dir, 'b.json');
  // instance a: baseline 10..50 ms; instance b: baseline 60..100 ms and tripled, every other request failed
  writeFileSync(a, gzipSync(lines(t0, 'baseline', [10, 20, 30, 40, 50])));
  writeFileSync(b, lines(t0, 'baseline', [60, 70, 80, 90, 100]) + lines(t0 + 5000, 'tripled', [500, 600], 2));
  const sha = createHash('sha256')
    .update(readFileSync(path.join(projectRoot, INCIDENT_SCRIPT)))
    .digest('hex');
  const record = (scriptSha: string) => ({
    schema: 'loadlab.merge/v1',
    script: 'incident.ts',
    script_sha256: scriptSha,
    instances: [a, b].map((file, i) => ({
      file,
      execution_segment: i === 0 ? '0:1/2' : '1/2:1',
      first: '2026-12-06T10:00:00.000Z',
      last: '2026-12-06T10:00:05.100Z',
    })),
    first: '2026-12-06T10:00:00.000Z',
    last: '2026-12-06T10:00:05.100Z',
    thresholds: [{ metric: 'http_req_failed', threshold: 'rate<0.01', ok: false }],
    thresholds_failed: true,
  });
  const out = path.join(dir, 'merged');
  mkdirSync(out);
  writeFileSync(path.join(out, 'merge.json'), JSON.stringify(record(sha)));
  const file = await writeMergedIncidentReport(out);
  assert.equal(file, path.join(out, 'report.md'));
  const md = readFileSync(file!, 'utf8');
  // baseline: 10 requests from both files; k6's p95 of 10..100 ms is 95.5 ms
  assert.match(md, /\| baseline \| 10 \| 95\.5 ms \| 0 % \| 0 \|/);
  assert.match(md, /\| tripled \| 2 \| 595 ms \| 50\.0 % \| 0 \|/);
  assert.match(md, /\| tripled \| product-list \| 2 \| 595 ms \| 50\.0 % \|/);
  assert.match(md, /## Thresholds over the whole: FAILED/);
  assert.match(md, /\| 0:1\/2 \|/);
  assert.match(md, /no I\/O figures/);
  assert.match(md, /A split run has no database samples/);

  // per second since the first request sent (b's, 60 ms before the first point) to the last point: 5.16 s, six
  // buckets; a request counts in the second it was sent: the tripled ones (sent at 4.5 s after t0) in bucket 4
  const series = JSON.parse(readFileSync(path.join(out, 'series.json'), 'utf8'));
  assert.equal(series.schema, 'loadlab.merge-series/v1');
  assert.equal(series.start, '2026-12-06T09:59:59.940Z');
  assert.equal(series.range_s, 5.16);
  assert.deepEqual(
    series.points.map((p: Record<string, unknown>) => [
      p.t_s,
      p.requests,
      p.product_list_p95_ms,
      p.p95_ms,
      p.error_rate,
    ]),
    [
      [0, 10, 95.5, 95.5, 0],
      [1, 0, null, null, null],
      [2, 0, null, null, null],
      [3, 0, null, null, null],
      [4, 2, 595, 595, 0.5],
      [5, 0, null, null, null],
    ],
  );
  assert.deepEqual(series.phases, [
    { name: 'baseline', start_s: 0, end_s: 0.46 },
    { name: 'tripled', start_s: 4.56, end_s: 5.16 },
  ]);
  // the charts' figures in words, per phase
  assert.match(md, /tripled \(4\.56 s to 5\.16 s\): the product list's p95 per second peaked at 595 ms at 4 s/);
  assert.match(
    md,
    /\| tripled \| 4\.56 s \| 5\.16 s \| 595 ms at 4 s \| 595 ms at 4 s \| 2 at 4 s \| 50\.0 % at 4 s \|/,
  );

  // report.html: self-contained, its charts' data over the whole range are series.json's values
  const html = readFileSync(path.join(out, 'report.html'), 'utf8');
  assert.match(html, /Content-Security-Policy/);
  assert.doesNotMatch(html, /<script[^>]+src=/);
  const specs = JSON.parse(/<script type="application\/json" id="chart-data">(.*?)<\/script>/s.exec(html)![1]).charts;
  const p95 = specs.find((c: { id: string }) => c.id === 'chart-p95');
  assert.deepEqual([p95.xAxis.min, p95.xAxis.max], [0, 5.16]);
  const pl = p95.series.find((x: { label: string }) => x.label === 'product-list p95');
  assert.deepEqual(pl.x, [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(pl.values, [95.5, null, null, null, 595, null]);
  assert.equal(pl.points, true, 'isolated values get a dot, or they would not show');
  assert.deepEqual(
    p95.bands.map((b: { label: string; start: number; end: number }) => [b.label, b.start, b.end]),
    [
      ['baseline', 0, 0.46],
      ['tripled', 4.56, 5.16],
    ],
  );
  const db = specs.find((c: { id: string }) => c.id === 'chart-db');
  assert.match(db.empty, /A split run has no database samples/);

  // another script's merge gets no incident report
  const other = path.join(dir, 'other');
  mkdirSync(other);
  writeFileSync(path.join(other, 'merge.json'), JSON.stringify(record('0'.repeat(64))));
  assert.equal(await writeMergedIncidentReport(other), null);
});
