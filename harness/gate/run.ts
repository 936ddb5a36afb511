import { mkdirSync } from 'node:fs';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { readSummaryExport, metricValue, thresholdResults } from '../load/summary-export.ts';
import { incidentEnv, INCIDENT_SCRIPT } from '../load/incident-script.ts';
import { playLoad } from '../load/load-step.ts';
import { progressLog } from '../cli/progress.ts';
import { openDataset, type OpenedDataset } from '../db/dataset.ts';
import type { Variant } from '../../shop/queries/product-list.ts';
import type { DatasetSpec } from '../../datasets/presets.ts';
import { startShopProcess } from '../process/shop-process.ts';
import { junitXml, type GateCase } from '../files/junit.ts';
import { markerFolder } from '../files/run-folder.ts';
import { Watchdog } from '../guard/watchdog.ts';

export interface GateOptions {
  variant: Variant;
  /** the dataset the latency replay runs on: the audit's largest size */
  latencySize: DatasetSpec;
  rate: number;
  durationS: number;
  seed: number;
  skipLatency: boolean;
  outDir: string;
  /**
   * The scaling gate, given to the gate by the command (the growth audit, audit/gate-cases.ts): a mode does not
   * import another mode, the command composes them.
   */
  scaling: (log: (line: string) => void) => Promise<GateCase[]>;
}

/**
 * CI performance gate: (1) the growth audit over every statement of the journey: none may do more work per
 * call as the dates grow unless the allow-list names it, (2) a short replay at the tripled rate must meet
 * loadtests/incident.ts's thresholds. Writes gate.md and junit.xml (the audit's own files go to audit/);
 * returns whether every gate passed and the markdown.
 */
export async function runGate(o: GateOptions): Promise<{ passed: boolean; markdown: string }> {
  mkdirSync(o.outDir, { recursive: true });
  const log = progressLog();
  // the largest dataset stays open (and its server up) from the audit to the latency replay
  const largest = await openDataset({ preset: o.latencySize, seed: o.seed, log });
  let cases: GateCase[];
  try {
    cases = await o.scaling(log);
    if (!o.skipLatency) cases.push(await latencyGate(o, largest, log));
  } finally {
    await largest.db.close();
  }

  const passed = cases.every((c) => c.passed);
  const markdown = [
    `## loadlab performance gate: ${passed ? 'passed' : 'FAILED'}`,
    '',
    '| gate | result | measured |',
    '| --- | --- | --- |',
    ...cases.map((c) => `| ${c.name} | ${c.passed ? 'pass' : '**FAIL**'} | ${c.message.replace(/\|/g, '\\|')} |`),
    '',
    ...cases
      .filter((c) => c.details)
      .flatMap((c) => [`<details><summary>${c.name}</summary>`, '', '```', c.details, '```', '</details>', '']),
  ].join('\n');
  writeFileAtomic.sync(path.join(o.outDir, 'gate.md'), markdown + '\n');
  writeFileAtomic.sync(path.join(o.outDir, 'junit.xml'), junitXml('loadlab.gate', cases));
  return { passed, markdown };
}

async function latencyGate(o: GateOptions, ds: OpenedDataset, log: (line: string) => void): Promise<GateCase> {
  const t1 = performance.now();
  const spec = ds.spec;
  const exportFile = path.join(o.outDir, `k6-summary-${o.variant}.json`);
  // watched as every long command is: a disk below its floor, or the database, the shop or the runner gone,
  // stops the gate with one line and an INCOMPLETE marker instead of a verdict on a replay that did not happen
  const watchdog = new Watchdog(log);
  watchdog.watchRunDisks(o.outDir);
  const unwatch = watchdog.watchDatabase(ds.db);
  const folder = markerFolder(
    o.outDir,
    (reason) =>
      `the gate's latency replay did not finish (${reason}): gate.md and junit.xml, if any, are an earlier gate's`,
  );
  let code: number;
  try {
    code = await watchdog.run(folder, async (signal) => {
      const shop = await startShopProcess(o.variant, ds.db.url);
      watchdog.watchProcess('shop', `the shop (${o.variant}, ${spec.name})`, shop.unexpectedEnd);
      try {
        const env = incidentEnv({
          baseUrl: shop.ready,
          rate: o.rate,
          multiplier: 3,
          phases: { tripled: o.durationS },
          thinkScale: 0.25,
          firstDate: ds.result.manifest.hot_subevent_first,
          dates: spec.dates,
          seed: o.seed,
          runId: `gate-${Date.now()}`,
        });
        log(`latency: ${o.variant} on ${spec.name} at ${o.rate * 3} visitors/min for ${o.durationS} s`);
        const load = await playLoad({
          script: INCIDENT_SCRIPT,
          env,
          label: 'latency',
          during: 'the latency replay',
          summaryFile: exportFile,
          progress: false,
          signal,
          watchdog,
        });
        return load.code;
      } finally {
        await shop.stop();
      }
    });
  } finally {
    unwatch();
  }
  const exported = readSummaryExport(exportFile);
  const results = thresholdResults(exported);
  const lines = results.map(({ metric, expression, failed }) => {
    const value = metric.startsWith('http_req_duration')
      ? `p(95)=${metricValue(exported, metric, 'p(95)')?.toFixed(1)} ms`
      : `rate=${metricValue(exported, metric, 'value')?.toFixed(4)}`;
    return `${failed ? 'FAIL' : 'ok  '} ${metric} ${expression} (${value})`;
  });
  const failed = results.filter((r) => r.failed).length;
  return {
    name: `latency: ${o.variant} at ${o.rate * 3} visitors/min on ${spec.name} for ${o.durationS} s`,
    passed: code === 0 && failed === 0,
    seconds: (performance.now() - t1) / 1000,
    message: failed
      ? `${failed} threshold(s) of loadtests/incident.ts failed`
      : 'all thresholds of loadtests/incident.ts passed',
    details: lines.join('\n'),
  };
}
