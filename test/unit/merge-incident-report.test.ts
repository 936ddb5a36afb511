// The merged incident report: from merge.json and the instances' k6 JSON files it names, per phase and endpoint,
// every instance's requests counted once, with the verdicts; only for the project's incident script (by content).
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
  assert.match(md, /\| baseline \| 10 \| 95\.5 ms \| 0\.00 % \| 0 \|/);
  assert.match(md, /\| tripled \| 2 \| 595 ms \| 50\.00 % \| 0 \|/);
  assert.match(md, /\| tripled \| product-list \| 2 \| 595 ms \| 50\.00 % \|/);
  assert.match(md, /## Thresholds over the whole: FAILED/);
  assert.match(md, /segment 0:1\/2/);
  assert.match(md, /no I\/O figures/);

  // another script's merge gets no incident report
  const other = path.join(dir, 'other');
  mkdirSync(other);
  writeFileSync(path.join(other, 'merge.json'), JSON.stringify(record('0'.repeat(64))));
  assert.equal(await writeMergedIncidentReport(other), null);
});
