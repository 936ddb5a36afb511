import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { renderMarkdown } from '../../harness/incident/report/render.ts';
import { renderHtml } from '../../harness/incident/report/render.ts';
import { writeReport } from '../../harness/incident/report/render.ts';
import { buildCharts } from '../../harness/incident/report/charts.ts';
import { verdictText } from '../../harness/incident/report/verdict.ts';
import { readRunFolder } from '../../harness/incident/report/read.ts';
import { runCli } from '../helpers/processes.ts';
import { reportFixture } from '../report-fixture.ts';

/** the markdown paragraph under "## Verdict" */
function verdictOf(md: string): string {
  return md.split('## Verdict\n\n')[1].split('\n')[0];
}

test('markdown has every table and the figures of the input', () => {
  const md = renderMarkdown(reportFixture());
  assert.match(md, /^# Incident replay: preset incident \(30,000 dates\), run 2024-05-14T10-22-03Z-incident/);
  for (const h of [
    '## Verdict',
    '## Run',
    '## Load by variant and phase',
    '## Endpoints',
    '## Database I/O',
    '## EXPLAIN',
    '## Comparison',
    '## Calibration',
    '## Machine',
    '## Thresholds',
  ]) {
    assert.ok(md.includes(h), `missing section ${h}`);
  }
  // phase rows with p50/p95/p99, the mean, errors, the overload and dropped iterations
  assert.match(
    md,
    /\| before \| tripled \| 2,700 \| 9,180 \| 51 \| 3,100 ms \| 10,000 ms \| 10,000 ms \| 6,550 ms \| 29\.0 % \| 2\.40x \| 412 \|/,
  );
  assert.match(
    md,
    /\| after \| tripled \| 2,700 \| 9,180 \| 51 \| 9 ms \| 21\.5 ms \| 30 ms \| 15 ms \| 0 % \| 0\.40x \(cal\.\) \| 0 \|/,
  );
  assert.match(
    verdictOf(md),
    /^The post-mortem's shape at 3x visitors \(20-45 % of page loads failed with a mean past 8\.0 s, the fix under 1\.0 %\): NOT reproduced: the mean stayed under 8\.0 s; overload 2\.40x, 29\.0 % failed, mean 6\.6 s\. /,
  );
  assert.match(md, /\| after \| ramp \| 297 \| 1,010 \|/);
  // endpoint p95s
  assert.match(md, /\| before \| product-list \| tripled \| 4,590 \| 9,871 ms \| 31\.4 % \|/);
  assert.match(md, /\| after \| product-list \| tripled \| 4,590 \| 14\.3 ms \| 0 % \|/);
  // DB per phase and per call
  assert.match(md, /\| before \| tripled \| 4,590 \| 380 ms \| 16,937,100 \| 1,881,900 \| 1,762,560 \| 13\.4 GiB \|/);
  assert.match(md, /\| Temp bytes \/ call \| 3 MiB \| 0 B \| after is 0 \|/);
  assert.match(md, /\| Buffers \(shared hit \+ read\) \/ call \| 4,100 \| 38 \| 108× \|/);
  // EXPLAIN, comparison, calibration, machine, thresholds
  assert.match(md, /\| Buffers touched \| 61,234 \| 41 \| 1,494× \|/);
  assert.match(md, /\| Tripled-phase product-list p95 \| 690× \|/);
  assert.match(md, /\| Measured product-list capacity \| 21\.3 requests\/s \|/);
  assert.match(md, /\| Resulting baseline \| 300 visitors\/min \|/);
  assert.match(md, /\| PostgreSQL \| 17\.2 \(embedded\) \|/);
  assert.match(md, /p\(95\)\\<1000 \| fail \| pass \|/);
  assert.match(md, /\| Runner exit code \| 99 \(thresholds failed\) \| 0 \|/);
});

test('verdict is computed from the figures', () => {
  const collapsed = verdictOf(renderMarkdown(reportFixture()));
  assert.match(
    collapsed,
    /At 3x visitors \(300 → 900 visitors\/min\) the old query collapsed: product-list p95 rose from 186 ms at baseline to 9,871 ms, and 31\.4 %/,
  );
  assert.match(collapsed, /With the fix it stayed at 14\.3 ms/);
  assert.match(collapsed, /690× lower/);

  // the verdict follows the data: a run where before held up must say so, not repeat the incident story
  const held = verdictOf(renderMarkdown(reportFixture({ beforeCollapses: false })));
  assert.doesNotMatch(held, /collapsed/);
  assert.match(held, /the old query held up: product-list p95 went from 186 ms at baseline to 222 ms/);
  assert.match(held, /did not reproduce the outage/);

  // figures changed in the input show up changed in the verdict
  const input = reportFixture();
  input.summary.variants.after!.phases.tripled.endpoints['product-list'] = {
    requests: 4590,
    p95_ms: 4321,
    error_rate: 0.12,
  };
  input.summary.comparison.tripled_p95_ratio = 9870.5 / 4321;
  const v = verdictText(input.summary);
  assert.match(
    v,
    /With the fix it also collapsed: 12\.6 ms at baseline, 4,321 ms at the tripled rate, with 12\.0 % errors/,
  );
});

test('only one variant renders without a comparison', () => {
  for (const only of ['before', 'after'] as const) {
    const input = reportFixture({ variants: [only] });
    input.summary.comparison = { tripled_p95_ratio: null, baseline_p95_ratio: null };
    const md = renderMarkdown(input);
    assert.match(verdictOf(md), new RegExp(`Only the ${only} variant was run`));
    assert.ok(
      !md.includes(`| ${only === 'before' ? 'after' : 'before'} | baseline |`),
      'no rows for the missing variant',
    );
    assert.match(md, /\| Tripled-phase product-list p95 \| n\/a \[\d\] \|/);
    assert.match(md, /the ratio needs both variants/);
    const html = renderHtml(input);
    assert.ok(html.includes('data-chart="chart-p95"'));
  }
});

test('missing DB statistics show n/a with a footnote saying why', () => {
  const md = renderMarkdown(reportFixture({ fullDbStats: false }));
  assert.match(md, /\| before \| tripled \| n\/a \[(\d)\] \| n\/a \[\1\] \|/);
  // markdown escapes the underscores
  assert.match(md, /pg\\_stat\\_statements was not available/);
  assert.match(md, /OS I\/O counters/);
  assert.match(md, /CPU time was not readable/);
  // no OS chart rather than an empty one
  assert.ok(!buildCharts(reportFixture({ fullDbStats: false })).some((c) => c.id === 'chart-os'));
});

test('empty and null series do not throw and leave charts undrawn with a reason', () => {
  const input = reportFixture();
  input.series = {};
  const charts = buildCharts(input);
  assert.ok(charts.length >= 3);
  assert.ok(charts.every((c) => c.empty !== null));
  const html = renderHtml(input);
  assert.ok(!html.includes('data-chart='));
  assert.match(html, /No time series were recorded/);

  const nulls = reportFixture();
  for (const p of nulls.series.before!.load) p.product_list_p95_ms = null;
  const p95 = buildCharts(nulls).find((c) => c.id === 'chart-p95')!;
  assert.deepEqual(
    p95.series.map((s) => s.label),
    ['after product-list p95'],
    'an all-null series is left out',
  );
});

test('chart series keep their own time stamps over the load window, with gaps only for nulls', () => {
  const charts = buildCharts(reportFixture());
  const p95 = charts.find((c) => c.id === 'chart-p95')!;
  assert.deepEqual([p95.xAxis.min, p95.xAxis.max, p95.xAxis.log], [0, 330, false], 'x runs over the phases');
  assert.equal(p95.series.length, 2);
  const before = p95.series[0];
  assert.equal(before.x.length, 66);
  assert.equal(before.values[before.x.indexOf(260)], null, 'a bucket without product lists is a gap');
  assert.equal(p95.axes[0].log, true, 'p95 spans 10 ms..10 s');
  assert.deepEqual(
    p95.bands.map((b) => b.label),
    ['baseline', 'ramp', 'tripled'],
  );
  assert.equal(p95.marks, null, 'both variants ran the same phases');

  const db = charts.find((c) => c.id === 'chart-db')!;
  assert.deepEqual(
    db.series.map((s) => s.label),
    ['before temp bytes/s', 'after temp bytes/s', 'before blocks read/s', 'after blocks read/s'],
  );
  // the two samplers' clocks stay apart: no series gets a hole where the other one has a sample
  assert.deepEqual(
    db.series.map((s) => s.x[0]),
    [0.4, 0.9, 0.4, 0.9],
  );
  assert.ok(
    db.series.every((s) => s.x.at(-1)! <= 330 && s.x.at(-1)! > 328),
    'every sample of the load window, none after it',
  );
  assert.equal(db.series[0].values.filter((v) => v === null).length, 0);
  assert.ok(db.series[2].values.includes(null), 'a null in series.json stays a gap');
  assert.equal(db.series[2].x.length, db.series[2].values.length);
});

test('all text is escaped in the HTML', () => {
  const input = reportFixture();
  input.summary.run_id = '<img src=x onerror=alert(1)>';
  input.summary.machine.os = '</script><script>alert(2)</script>';
  input.summary.variants.before!.thresholds['<b>"x"</b>'] = { ok: true };
  const html = renderHtml(input);
  assert.ok(!html.includes('<img src=x'));
  assert.ok(!html.includes('<script>alert(2)'));
  assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt;'));
  assert.ok(html.includes('&lt;b&gt;&quot;x&quot;&lt;/b&gt;'));
  const md = renderMarkdown(input);
  assert.ok(md.includes('\\<img src=x onerror=alert(1)\\>'));
});

test('HTML is self-contained: uPlot inlined, no external references', () => {
  const html = renderHtml(reportFixture());
  assert.ok(html.includes('var uPlot='), 'uPlot inlined');
  assert.ok(html.includes('.uplot'), 'uPlot CSS inlined');
  assert.doesNotMatch(html, /<(script|link|img)[^>]+(src|href)=/i);
  assert.match(html, /Content-Security-Policy/);
});

test('writeReport writes both files atomically and the CLI re-renders a run folder', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'loadlab-report-'));
  try {
    const input = reportFixture();
    await writeReport(dir, input);
    assert.deepEqual((await readdir(dir)).sort(), ['report.html', 'report.md'], 'no temp files left behind');
    assert.equal(await readFile(path.join(dir, 'report.md'), 'utf8'), renderMarkdown(input));

    await writeFile(path.join(dir, 'summary.json'), JSON.stringify(input.summary));
    await writeFile(path.join(dir, 'series.json'), JSON.stringify(input.series));
    await rm(path.join(dir, 'report.md'));
    const ok = await runCli('report', [dir]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(await readFile(path.join(dir, 'report.md'), 'utf8'), renderMarkdown(input));

    const missing = await runCli('report', [path.join(dir, 'nope')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^error: .*nope is not a folder.*\n$/);

    await writeFile(path.join(dir, 'summary.json'), '{"schema":"other"}');
    const invalid = await runCli('report', [dir]);
    assert.equal(invalid.code, 1);
    assert.match(invalid.stderr, /^error: .*summary\.json: schema: .*"loadlab\.incident\/v1".*\n$/);

    await writeFile(path.join(dir, 'summary.json'), '{not json');
    const broken = await runCli('report', [dir]);
    assert.match(broken.stderr, /^error: .*summary\.json is not valid JSON/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a malformed summary.json or series.json is one line naming the file and the field', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'loadlab-report-read-'));
  const write = (summary: unknown, series: unknown) =>
    Promise.all([
      writeFile(path.join(dir, 'summary.json'), JSON.stringify(summary)),
      writeFile(path.join(dir, 'series.json'), JSON.stringify(series)),
    ]);
  const fails = async (pattern: RegExp) => {
    await assert.rejects(readRunFolder(dir), (err: Error) => {
      assert.equal(err.name, 'UserError');
      assert.equal(err.message.split('\n').length, 1, err.message);
      assert.match(err.message, pattern);
      return true;
    });
  };
  try {
    const good = reportFixture();
    // a field a newer writer added is ignored, not an error
    await write({ ...good.summary, written_by: 'a newer loadlab' }, good.series);
    const read = await readRunFolder(dir);
    assert.equal(renderMarkdown(read.input), renderMarkdown(good));

    const bad = reportFixture();
    (bad.summary.variants.before!.phases.tripled as unknown as Record<string, unknown>).p95_ms = 'slow';
    await write(bad.summary, good.series);
    await fails(
      /summary\.json: variants\.before\.phases\.tripled\.p95_ms: .*expected number, received string \(expected a loadlab\.incident\/v1 summary\)$/,
    );

    await write(
      { ...good.summary, variants: { ...good.summary.variants, sideways: good.summary.variants.after } },
      good.series,
    );
    await fails(/summary\.json: variants: .*"sideways"/);

    const noTime = structuredClone(good.series);
    delete (noTime.before!.db[3] as Partial<(typeof noTime.before & {})['db'][number]>).t_s;
    await write(good.summary, noTime);
    await fails(/series\.json: before\.db\[3\]\.t_s: .*expected number/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
