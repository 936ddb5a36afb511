#!/usr/bin/env tsx
// CI performance gate: npm run gate [-- --variant after --sizes tiny,small --max-growth 1.5 --baseline-rate 60 --duration-s 20 --skip-latency]
// 1. scaling: the product-list query's buffers touched may not grow with the number of dates;
// 2. latency: a short replay at the tripled rate must meet loadtests/incident.ts's thresholds.
// Exit 0 pass, 99 a gate failed (k6's code for failed thresholds), 1 an error.
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { runMain, parseCli, parseNumberFlag, parseIntFlag } from './lib/main.ts';
import { UserError } from './lib/errors.ts';
import { reportsDir } from './lib/paths.ts';
import { writeFileAtomic } from './lib/atomic-write.ts';
import { runLoadScript } from './lib/runner-process.ts';
import { parseVariant } from './lib/variants.ts';
import { progressLog } from './lib/verbosity.ts';
import { openDataset, type OpenedDataset } from './lib/dataset.ts';
import { presetSpec, parseSeed } from '../datasets/presets.ts';
import { explainProductList } from '../shop/explain.ts';
import { startShopProcess } from './incident/run-variant.ts';
import { junitXml, type GateCase } from './gate/junit.ts';

await runMain(async () => {
  const { values } = parseCli({
    variant: { type: 'string', default: 'after' },
    sizes: { type: 'string', default: 'tiny,small' },
    'max-growth': { type: 'string', default: '1.5' },
    position: { type: 'string', default: '0.5' },
    'baseline-rate': { type: 'string', default: '60' },
    'duration-s': { type: 'string', default: '20' },
    seed: { type: 'string' },
    'skip-latency': { type: 'boolean', default: false },
    out: { type: 'string' },
  });
  const variant = parseVariant(values.variant!);
  const sizes = values.sizes!.split(',').map((s) => presetSpec(s.trim()));
  if (sizes.length !== 2) throw new UserError(`--sizes '${values.sizes}' must name two presets, smaller first (e.g. tiny,small)`);
  if (sizes[1].dates <= sizes[0].dates) throw new UserError(`--sizes '${values.sizes}': the second preset must have more dates than the first`);
  const maxGrowth = parseNumberFlag('max-growth', values['max-growth'], (n) => n >= 1, 'a number >= 1')!;
  const position = parseNumberFlag('position', values.position, (n) => n >= 0 && n < 1, 'a fraction from 0 (first date) to below 1')!;
  const rate = parseNumberFlag('baseline-rate', values['baseline-rate'], (n) => n > 0, 'visitors per minute, > 0')!;
  const durationS = parseIntFlag('duration-s', values['duration-s'], 5, 600)!;
  const seed = parseSeed(values.seed);
  const outDir = path.resolve(values.out ?? path.join(reportsDir, 'gate'));
  mkdirSync(outDir, { recursive: true });
  const log = progressLog();
  const cases: GateCase[] = [];

  // --- 1. scaling -------------------------------------------------------------------------------------
  const t0 = performance.now();
  // both datasets stay open until the end; on an error the cleanup stops the embedded server anyway
  const opened: OpenedDataset[] = [];
  {
    const figures = [];
    for (const spec of sizes) {
      log(`seeding or reusing ${spec.name}`);
      const ds = await openDataset({ preset: spec.name, seed, log });
      opened.push(ds);
      const date = ds.result.manifest.hot_subevent_first + Math.floor(position * spec.dates);
      const e = await explainProductList(ds.db.url, variant, date, { planFile: path.join(outDir, `explain-${variant}-${spec.name}.json`) });
      figures.push({ spec, date, ...e });
      log(`${spec.name}: date ${date}, ${e.buffers_touched} buffers touched, ${e.execution_ms} ms, ${e.temp_blocks_written} temp blocks written`);
    }
    const [a, b] = figures;
    const growth = b.buffers_touched / Math.max(1, a.buffers_touched);
    const datesGrowth = b.spec.dates / a.spec.dates;
    const passed = growth <= maxGrowth;
    cases.push({
      name: `scaling: product-list buffers touched, ${a.spec.name} -> ${b.spec.name} (${variant})`,
      passed,
      seconds: (performance.now() - t0) / 1000,
      message: `buffers touched grew ${growth.toFixed(2)}x while dates grew ${datesGrowth}x (limit ${maxGrowth}x)`,
      details: figures.map((f) => `${f.spec.name}: ${f.spec.dates} dates, date ${f.date}: ${f.buffers_touched} buffers touched, ${f.temp_blocks_written} temp blocks written, ${f.execution_ms} ms`).join('\n'),
    });
  }

  // --- 2. latency -------------------------------------------------------------------------------------
  if (!values['skip-latency']) {
    const t1 = performance.now();
    const spec = sizes[1];
    const ds = opened.at(-1)!;
    const shop = await startShopProcess(variant, spec.name, seed);
    const exportFile = path.join(outDir, `k6-summary-${variant}.json`);
    const env = { BASE_URL: shop.ready, RATE: rate, MULTIPLIER: 3, PHASES: 'tripled', TRIPLED_S: durationS, THINK_SCALE: 0.25, FIRST_DATE: ds.result.manifest.hot_subevent_first, DATES: spec.dates, SEED: seed, RUN_ID: `gate-${Date.now()}` };
    log(`latency: ${variant} on ${spec.name} at ${rate * 3} visitors/min for ${durationS} s`);
    const { code, stderrTail } = await runLoadScript('loadtests/incident.ts', env, ['--summary-export', exportFile], { showProgress: false });
    await shop.stop();
    if (code !== 0 && code !== 99) throw new UserError(`the latency replay failed to run (runner exit ${code}): ${stderrTail}`);
    const exported = JSON.parse(readFileSync(exportFile, 'utf8')) as { metrics: Record<string, Record<string, unknown> & { thresholds?: Record<string, boolean> }> };
    const lines: string[] = [];
    let failed = 0;
    for (const [metric, m] of Object.entries(exported.metrics)) {
      for (const [expr, didFail] of Object.entries(m.thresholds ?? {})) {
        const value = metric.startsWith('http_req_duration') ? `p(95)=${Number(m['p(95)']).toFixed(1)} ms` : `rate=${Number(m.value ?? m.rate).toFixed(4)}`;
        lines.push(`${didFail ? 'FAIL' : 'ok  '} ${metric} ${expr} (${value})`);
        if (didFail) failed++;
      }
    }
    cases.push({
      name: `latency: ${variant} at ${rate * 3} visitors/min on ${spec.name} for ${durationS} s`,
      passed: code === 0 && failed === 0,
      seconds: (performance.now() - t1) / 1000,
      message: failed ? `${failed} threshold(s) of loadtests/incident.ts failed` : 'all thresholds of loadtests/incident.ts passed',
      details: lines.join('\n'),
    });
  }
  for (const ds of [...opened].reverse()) await ds.db.close();

  // --- report -----------------------------------------------------------------------------------------
  const md = [
    `## loadlab performance gate: ${cases.every((c) => c.passed) ? 'passed' : 'FAILED'}`,
    '',
    '| gate | result | measured |',
    '| --- | --- | --- |',
    ...cases.map((c) => `| ${c.name} | ${c.passed ? 'pass' : '**FAIL**'} | ${c.message} |`),
    '',
    ...cases.flatMap((c) => [`<details><summary>${c.name}</summary>`, '', '```', c.details, '```', '</details>', '']),
  ].join('\n');
  writeFileAtomic(path.join(outDir, 'gate.md'), md + '\n');
  writeFileAtomic(path.join(outDir, 'junit.xml'), junitXml('loadlab.gate', cases));
  console.log(md);
  return cases.every((c) => c.passed) ? 0 : 99;
});
