import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../../common/user-error.ts';
import writeFileAtomic from 'write-file-atomic';
import { runLoadScript } from '../load/runner-process.ts';
import { readSummaryExport, metricValue, thresholdResults } from '../load/summary-export.ts';
import { incidentEnv, INCIDENT_SCRIPT } from '../load/incident-script.ts';
import { progressLog } from '../cli/progress.ts';
import { openDataset, type OpenedDataset } from '../db/dataset.ts';
import type { DatasetSpec } from '../../datasets/presets.ts';
import type { Variant } from '../../shop/queries/product-list.ts';
import { explainProductList } from '../../shop/explain.ts';
import { startShopProcess } from '../process/shop-process.ts';
import { junitXml, type GateCase } from '../files/junit.ts';

export interface GateOptions {
  variant: Variant;
  /** two sizes, smaller first */
  sizes: [DatasetSpec, DatasetSpec];
  maxGrowth: number;
  /** which date the EXPLAIN takes, as a fraction of the series */
  position: number;
  rate: number;
  durationS: number;
  seed: number;
  skipLatency: boolean;
  outDir: string;
}

/**
 * CI performance gate: (1) the product-list query's buffers touched may not grow with the number of dates,
 * (2) a short replay at the tripled rate must meet loadtests/incident.ts's thresholds. Writes gate.md and
 * junit.xml; returns whether every gate passed and the markdown.
 */
export async function runGate(o: GateOptions): Promise<{ passed: boolean; markdown: string }> {
  mkdirSync(o.outDir, { recursive: true });
  const log = progressLog();
  // both datasets stay open until the end; on an error the cleanup stops the embedded server anyway
  const opened: OpenedDataset[] = [];
  const cases: GateCase[] = [await scalingGate(o, opened, log)];
  if (!o.skipLatency) cases.push(await latencyGate(o, opened.at(-1)!, log));
  for (const ds of [...opened].reverse()) await ds.db.close();

  const passed = cases.every((c) => c.passed);
  const markdown = [
    `## loadlab performance gate: ${passed ? 'passed' : 'FAILED'}`,
    '',
    '| gate | result | measured |',
    '| --- | --- | --- |',
    ...cases.map((c) => `| ${c.name} | ${c.passed ? 'pass' : '**FAIL**'} | ${c.message} |`),
    '',
    ...cases.flatMap((c) => [`<details><summary>${c.name}</summary>`, '', '```', c.details, '```', '</details>', '']),
  ].join('\n');
  writeFileAtomic.sync(path.join(o.outDir, 'gate.md'), markdown + '\n');
  writeFileAtomic.sync(path.join(o.outDir, 'junit.xml'), junitXml('loadlab.gate', cases));
  return { passed, markdown };
}

async function scalingGate(o: GateOptions, opened: OpenedDataset[], log: (line: string) => void): Promise<GateCase> {
  const t0 = performance.now();
  const figures = [];
  for (const spec of o.sizes) {
    log(`seeding or reusing ${spec.name}`);
    const ds = await openDataset({ preset: spec, seed: o.seed, log });
    opened.push(ds);
    const date = ds.result.manifest.hot_subevent_first + Math.floor(o.position * spec.dates);
    const e = await explainProductList(ds.db.url, o.variant, date, { planFile: path.join(o.outDir, `explain-${o.variant}-${spec.name}.json`) });
    figures.push({ spec, date, ...e });
    log(`${spec.name}: date ${date}, ${e.buffers_touched} buffers touched, ${e.execution_ms} ms, ${e.temp_blocks_written} temp blocks written`);
  }
  const [a, b] = figures;
  const growth = b.buffers_touched / Math.max(1, a.buffers_touched);
  return {
    name: `scaling: product-list buffers touched, ${a.spec.name} -> ${b.spec.name} (${o.variant})`,
    passed: growth <= o.maxGrowth,
    seconds: (performance.now() - t0) / 1000,
    message: `buffers touched grew ${growth.toFixed(2)}x while dates grew ${b.spec.dates / a.spec.dates}x (limit ${o.maxGrowth}x)`,
    details: figures.map((f) => `${f.spec.name}: ${f.spec.dates} dates, date ${f.date}: ${f.buffers_touched} buffers touched, ${f.temp_blocks_written} temp blocks written, ${f.execution_ms} ms`).join('\n'),
  };
}

async function latencyGate(o: GateOptions, ds: OpenedDataset, log: (line: string) => void): Promise<GateCase> {
  const t1 = performance.now();
  const spec = ds.spec;
  const shop = await startShopProcess(o.variant, ds.db.url);
  const exportFile = path.join(o.outDir, `k6-summary-${o.variant}.json`);
  const env = incidentEnv({
    baseUrl: shop.ready, rate: o.rate, multiplier: 3, phases: { tripled: o.durationS }, thinkScale: 0.25,
    firstDate: ds.result.manifest.hot_subevent_first, dates: spec.dates, seed: o.seed, runId: `gate-${Date.now()}`,
  });
  log(`latency: ${o.variant} on ${spec.name} at ${o.rate * 3} visitors/min for ${o.durationS} s`);
  const { code, stderrTail } = await runLoadScript(INCIDENT_SCRIPT, env, ['--summary-export', exportFile], { showProgress: false });
  await shop.stop();
  if (code !== 0 && code !== 99) throw new UserError(`the latency replay failed to run (runner exit ${code}): ${stderrTail}`);
  const exported = readSummaryExport(exportFile);
  const results = thresholdResults(exported);
  const lines = results.map(({ metric, expression, failed }) => {
    const value = metric.startsWith('http_req_duration') ? `p(95)=${metricValue(exported, metric, 'p(95)')?.toFixed(1)} ms` : `rate=${metricValue(exported, metric, 'value')?.toFixed(4)}`;
    return `${failed ? 'FAIL' : 'ok  '} ${metric} ${expression} (${value})`;
  });
  const failed = results.filter((r) => r.failed).length;
  return {
    name: `latency: ${o.variant} at ${o.rate * 3} visitors/min on ${spec.name} for ${o.durationS} s`,
    passed: code === 0 && failed === 0,
    seconds: (performance.now() - t1) / 1000,
    message: failed ? `${failed} threshold(s) of loadtests/incident.ts failed` : 'all thresholds of loadtests/incident.ts passed',
    details: lines.join('\n'),
  };
}
