// load:merge on bad input: a missing file, a truncated one (gzipped or plain), files of another script, segments
// that overlap, a file given twice, no --script: each one line naming the file and what is wrong. The files come
// from real runs of two tiny scripts without requests, in this process; the merge's checks run in this process
// too, and two cases go through the command as a user runs it (exit codes, one line, no stack trace).
// Then the merged incident report: loadtests/incident.ts played by two runner instances (segments 0:1/2 and 1/2:1)
// for a few seconds against the real shop on the tiny preset, merged by the load:merge command; its series.json
// must hold every request of both files once, over the whole merged range, and report.html must draw exactly it.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { INCIDENT_SCRIPT, incidentEnv } from '../harness/load/incident-script.ts';
import { readLoadPoints } from '../harness/load/k6-points.ts';
import { RunnerError, runScript } from '../runner/index.ts';
import type { RequestBucket } from '../harness/load/request-series.ts';
import { mergeOutputs } from '../runner/merge/merge.ts';
import { startShop } from '../shop/server.ts';
import { inPage, withBrowser } from './helpers/browser.ts';
import { checkCharts, readPlotted, type ExpectedSeries } from './helpers/chart-readback.ts';
import { ownDataDir, testDataset } from './helpers/db.ts';
import { runCli, oneErrorLine } from './helpers/processes.ts';
import { devNull } from './runner-server.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'merge-input-'));
const file = (name: string) => path.join(dir, name);
const plain0 = () => readFileSync(file('c.json'), 'utf8');

test('bad input to load:merge: one line each, naming the file and what is wrong', async () => {
  const counter = file('counter.js');
  writeFileSync(
    counter,
    "import { Counter } from 'k6/metrics';\nconst c = new Counter('things');\n" +
      "export const options = { vus: 2, iterations: 8, thresholds: { things: ['count == 8'] } };\n" +
      'export default function () { c.add(1); }\n',
  );
  const other = file('other.js');
  writeFileSync(
    other,
    "export const options = { thresholds: { iterations: ['count > 0'] } };\nexport default function () {}\n",
  );
  const run = (script: string, out: string, executionSegment?: string) =>
    runScript(script, {
      out: [`json=${file(out)}`],
      flagOptions: executionSegment ? { executionSegment } : {},
      quiet: true,
      stdout: devNull(),
      stderr: devNull(),
    });
  // each half fails 'count == 8' on its own share
  assert.equal((await run(counter, 'a.json.gz', '0:1/2')).exitCode, 99);
  await run(counter, 'b.json', '1/4:3/4');
  assert.equal((await run(counter, 'c.json', '1/2:1')).exitCode, 99);
  await run(other, 'other.json');

  // the halves 0:1/2 and 1/2:1 together are the whole test: the threshold that failed on each half passes
  const good = await runCli('load:merge', ['--script', counter, file('a.json.gz'), file('c.json')]);
  assert.equal(good.code, 0, good.stderr);
  assert.match(good.stdout, /things\.+: 8 /);

  // real k6's files have no Metadata line: merged with a note, recognised by the thresholds they declare
  const k6Style = file('k6.json');
  writeFileSync(k6Style, plain0().replace(/^\{"type":"Metadata".*\n/, ''));
  const withK6 = await mergeOutputs({ script: counter, files: [file('a.json.gz'), k6Style], stderr: devNull() });
  assert.equal(withK6.thresholdsFailed, false);
  assert.ok(withK6.notes.some((n) => /k6\.json names no execution segment/.test(n)));
  const k6Other = file('k6-other.json');
  writeFileSync(
    k6Other,
    plain0()
      .replace(/^\{"type":"Metadata".*\n/, '')
      .replace('"count == 8"', '"count == 9"'),
  );

  const truncatedGz = file('cut.json.gz');
  writeFileSync(truncatedGz, readFileSync(file('a.json.gz')).subarray(0, 200));
  const plain = readFileSync(file('c.json'), 'utf8');
  const truncatedPlain = file('cut.json');
  writeFileSync(truncatedPlain, plain.slice(0, plain.length - 30));

  const cases: [string[], RegExp][] = [
    [[file('a.json.gz'), file('missing.json')], /missing\.json: not found/],
    [[file('a.json.gz'), truncatedGz], /cut\.json\.gz: the gzip stream ends early \(a truncated file/],
    [[file('a.json.gz'), truncatedPlain], /cut\.json: line \d+ is not JSON \(a truncated or damaged file\?\)/],
    [[file('a.json.gz'), file('other.json')], /other\.json is from a run of 'other\.js' .*not of 'counter\.js'/],
    [[file('a.json.gz'), file('b.json')], /a\.json\.gz \(segment 0:1\/2\) and .*b\.json \(segment 1\/4:3\/4\) overlap/],
    [[file('a.json.gz'), file('a.json.gz')], /a\.json\.gz is given twice/],
    [
      [file('a.json.gz'), k6Other],
      /k6-other\.json declares the threshold 'things: count == 9', which 'counter\.js' does not/,
    ],
  ];
  for (const [files, expected] of cases) {
    await assert.rejects(
      mergeOutputs({ script: counter, files, stderr: devNull() }),
      (err: unknown) =>
        err instanceof RunnerError && err.exitCode === 1 && !err.message.includes('\n') && expected.test(err.message),
      files.join(' '),
    );
  }
  const mixed = await runCli('load:merge', ['--script', counter, file('a.json.gz'), file('other.json')]);
  assert.equal(mixed.code, 1);
  assert.match(oneErrorLine(mixed.stderr), /other\.json is from a run of 'other\.js'/);
  const noScript = await runCli('load:merge', [file('a.json.gz')]);
  assert.equal(noScript.code, 1);
  assert.match(oneErrorLine(noScript.stderr), /--script is required/);
});

type Bucket = RequestBucket;

/** What report.html must draw, written from series.json's fields (not from the report's chart code). */
function mergeExpectations(points: Bucket[]): ExpectedSeries[] {
  const of = (chart: string, label: string, get: (b: Bucket) => number | null): ExpectedSeries => ({
    chart,
    label,
    points: points.map((b) => ({ x: b.t_s, y: get(b) })),
  });
  return [
    of('chart-p95', 'product-list p95', (b) => b.product_list_p95_ms),
    of('chart-p95', 'all requests p95', (b) => b.p95_ms),
    of('chart-throughput', 'requests/s', (b) => b.rps),
    of('chart-throughput', 'errors %', (b) => (b.error_rate === null ? null : b.error_rate * 100)),
  ];
}

test('the merged incident report: two segments of a real replay, charts per second over the whole range', async (t) => {
  const ds = await testDataset(ownDataDir(import.meta.url));
  const shop = await startShop({ databaseUrl: ds.db.url, variant: 'after', poolSize: 4 });
  try {
    const m = ds.result.manifest;
    // 2 s at 2 visitors/s, a 1 s ramp, 2 s at 6/s, no think time: about 20 visitors, every phase in both halves
    const env = incidentEnv({
      baseUrl: shop.url,
      rate: 120,
      multiplier: 3,
      phases: { baseline: 2, ramp: 1, tripled: 2 },
      thinkScale: 0,
      firstDate: m.hot_subevent_first,
      dates: m.dates,
      seed: 42,
      runId: `merge-${Date.now()}`,
    });
    const files = ['0:1/2', '1/2:1'].map((_, i) => file(`incident-${i}.json.gz`));
    const runs = await Promise.all(
      ['0:1/2', '1/2:1'].map((segment, i) =>
        runCli('load', [
          INCIDENT_SCRIPT,
          ...Object.entries(env).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
          '--execution-segment',
          segment,
          '--execution-segment-sequence',
          '0,1/2,1',
          '--out',
          `json=${files[i]}`,
          '--quiet',
        ]),
      ),
    );
    // 99: a threshold failed on a slice (a busy machine); either way each wrote its whole output
    for (const r of runs) assert.ok(r.code === 0 || r.code === 99, r.stderr);

    const out = file('merged-incident');
    const merged = await runCli('load:merge', ['--script', INCIDENT_SCRIPT, '--out', out, ...files]);
    assert.ok(merged.code === 0 || merged.code === 99, merged.stderr);
    assert.match(merged.stdout, /wrote .*report\.md, report\.html and series\.json/);
    const record = JSON.parse(readFileSync(path.join(out, 'merge.json'), 'utf8'));
    const series = JSON.parse(readFileSync(path.join(out, 'series.json'), 'utf8'));
    const points: Bucket[] = series.points;

    // every request of both files once, in the second it was sent; the buckets run from 0 to the merged range's end
    const requests = (await Promise.all(files.map((f) => readLoadPoints(f)))).flatMap((p) => p.requests);
    assert.ok(requests.length >= 20, `${requests.length} requests`);
    assert.equal(
      points.reduce((n, b) => n + b.requests, 0),
      requests.length,
    );
    const summary = JSON.parse(readFileSync(path.join(out, 'k6-summary.json'), 'utf8')).metrics;
    assert.equal(summary.http_reqs.count, requests.length, "the runner's merge counted the same requests");
    assert.equal(series.end, record.last);
    assert.ok(Date.parse(series.start) <= Date.parse(record.first));
    assert.equal(series.range_s, (Date.parse(series.end) - Date.parse(series.start)) / 1000);
    assert.deepEqual(
      points.map((b) => b.t_s),
      Array.from({ length: Math.floor(series.range_s) + 1 }, (_, i) => i),
    );
    // the phases in order, each from its scenario's first to its last point, inside the range
    assert.deepEqual(
      series.phases.map((p: { name: string }) => p.name),
      ['baseline', 'ramp', 'tripled'],
    );
    for (const p of series.phases)
      assert.ok(0 <= p.start_s && p.start_s < p.end_s && p.end_s <= series.range_s, p.name);
    assert.ok(
      series.phases[0].start_s < series.phases[1].start_s && series.phases[1].start_s < series.phases[2].start_s,
    );

    const md = readFileSync(path.join(out, 'report.md'), 'utf8');
    for (const name of ['baseline', 'ramp', 'tripled'])
      assert.match(md, new RegExp(`${name} \\([\\d.]+ s to [\\d.]+ s\\): the product list's p95 per second peaked at`));
    assert.match(md, /A split run has no database samples/);

    // report.html draws exactly series.json, every series over the whole merged range
    await withBrowser(t, async (browser) => {
      const page = await inPage(browser, path.join(out, 'report.html'), async (p) => ({
        plotted: await readPlotted(p),
      }));
      assert.deepEqual([page.pageErrors, page.consoleErrors, page.foreignRequests], [[], [], []]);
      assert.deepEqual(
        page.plotted.map((c) => c.id),
        ['chart-p95', 'chart-throughput'],
        'the database chart says why it is empty instead of drawing',
      );
      assert.deepEqual(
        checkCharts(page.plotted, mergeExpectations(points), {
          window: [0, series.range_s],
          xRange: 'exact',
          bins: 0,
        }),
        [],
      );
      for (const c of page.plotted)
        assert.deepEqual(
          c.x,
          points.map((b) => b.t_s),
          `${c.id}: x over the whole range`,
        );
    });
    t.diagnostic(`merged ${requests.length} requests over ${series.range_s} s`);
  } finally {
    await shop.close();
    await ds.close();
  }
});
