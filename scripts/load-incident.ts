#!/usr/bin/env tsx
// The main job: npm run load:incident [-- --preset incident --variants before,after --quick --baseline-rate N --multiplier 3 --seed N --out DIR]
// Seeds (or reuses) the dataset, calibrates the baseline rate on `before`, replays baseline -> ramp -> 3x
// visitors against each variant with DB I/O sampled, then writes the run folder and its report.
import os from 'node:os';
import { runMain, parseCli, parseNumberFlag } from './lib/main.ts';
import { parseVariants } from './lib/variants.ts';
import { onCleanup } from './lib/cleanup.ts';
import { reportsDir } from './lib/paths.ts';
import { progressLog } from './lib/verbosity.ts';
import { openDataset } from './lib/dataset.ts';
import { parseSeed, presetSpec } from '../datasets/presets.ts';
import { RunFolder } from './incident/run-folder.ts';
import { calibrate } from './incident/calibrate.ts';
import { runVariant, startShopProcess, type PhasePlan } from './incident/run-variant.ts';
import type { IncidentSummary, ReportInput, Calibration } from './incident/types.ts';
import { writeReport } from './report/write.ts';


await runMain(async () => {
  const { values } = parseCli({
    preset: { type: 'string', default: 'incident' },
    variants: { type: 'string', default: 'before,after' },
    quick: { type: 'boolean', default: false },
    'baseline-rate': { type: 'string' },
    multiplier: { type: 'string', default: '3' },
    seed: { type: 'string' },
    out: { type: 'string' },
  });
  // every flag is checked before anything starts
  const spec = presetSpec(values.preset!);
  const variants = parseVariants(values.variants!);
  const seed = parseSeed(values.seed);
  const givenRate = parseNumberFlag('baseline-rate', values['baseline-rate'], (n) => n > 0 && n <= 1_000_000, 'visitors per minute, a number > 0');
  const multiplier = parseNumberFlag('multiplier', values.multiplier, (n) => n >= 1 && n <= 100, 'a number from 1 to 100')!;
  const quick = values.quick!;
  const folder = RunFolder.create(reportsDir, values.out);
  const unmark = onCleanup('run folder', () => folder.markIncomplete('interrupted'));

  const log = progressLog(process.stderr);
  const say = (line: string) => console.log(line);
  const phases: PhasePlan[] = quick
    ? [{ name: 'baseline', duration_s: 12 }, { name: 'ramp', duration_s: 4 }, { name: 'tripled', duration_s: 12 }]
    : [{ name: 'baseline', duration_s: 120 }, { name: 'ramp', duration_s: 30 }, { name: 'tripled', duration_s: 120 }];
  const started = new Date();

  say(`loadlab incident replay: preset ${spec.name} (${spec.dates} dates), variants ${variants.join(', ')}, run folder ${folder.dir}`);
  const { db, result } = await openDataset({ preset: spec.name, seed, log });
  say(`dataset ${result.reused ? 'reused' : 'seeded'} in ${result.seconds.toFixed(1)} s`);
  const m = result.manifest;
  const dates = { first: m.hot_subevent_first, count: m.dates };

  let rate: number;
  let calibration: Calibration;
  if (givenRate !== undefined) {
    rate = givenRate;
    calibration = { method: 'given', product_list_capacity_rps: null, service_time_ms: null, product_list_requests_per_visitor: 1.3, target_utilisation: 0.4, formula: `--baseline-rate ${givenRate} visitors/min, as given` };
  } else {
    say('calibrating: measuring what the before variant can serve (closed loop of product-list requests)');
    const shop = await startShopProcess('before', spec.name, seed);
    try {
      const c = await calibrate({ shopUrl: shop.ready, firstDate: dates.first, dates: dates.count, seconds: quick ? 3 : 15, minRequests: quick ? 0 : 40, maxSeconds: quick ? 3 : 60, concurrency: os.cpus().length * 2, maxVisitorsPerMin: quick ? 240 : undefined });
      rate = c.baselineVisitorsPerMin;
      calibration = c.calibration;
    } finally {
      await shop.stop();
    }
  }
  say(`baseline ${rate} visitors/min, tripled ${Math.round(rate * multiplier * 10) / 10} (${calibration.formula})`);

  const summary: IncidentSummary = {
    schema: 'loadlab.incident/v1', run_id: folder.runId, preset: spec.name, dates: spec.dates, seed,
    started_at: started.toISOString(), finished_at: '',
    machine: { cpus: os.cpus().length, node: process.version, postgres: db.postgresVersion, os: `${os.type()} ${os.release()}`, database: db.kind },
    traffic: { baseline_visitors_per_min: rate, multiplier, calibration, phases: phases.map((p) => ({ name: p.name, duration_s: p.duration_s })), request_timeout_s: 10 },
    variants: {},
    comparison: { tripled_p95_ratio: null, baseline_p95_ratio: null },
  };
  const series: ReportInput['series'] = {};
  for (const variant of variants) {
    const outcome = await runVariant({
      variant, preset: spec.name, seed, dbUrl: db.url, postmasterPid: db.server?.pid, firstDate: dates.first, dates: dates.count,
      rate, multiplier, phases, thinkScale: quick ? 0.25 : 1, bucketS: quick ? 1 : 5, folder, log: say,
    });
    summary.variants[variant] = outcome.result;
    series[variant] = outcome.series;
    const pl = (ph: 'baseline' | 'tripled') => outcome.result.phases[ph].endpoints['product-list'];
    say(`${variant}: product-list p95 ${pl('baseline')?.p95_ms ?? 'n/a'} ms at baseline, ${pl('tripled')?.p95_ms ?? 'n/a'} ms tripled; errors ${(outcome.result.phases.tripled.error_rate * 100).toFixed(1)} % tripled`);
  }
  const ratio = (ph: 'baseline' | 'tripled') => {
    const b = summary.variants.before?.phases[ph].endpoints['product-list']?.p95_ms;
    const a = summary.variants.after?.phases[ph].endpoints['product-list']?.p95_ms;
    return b !== undefined && a !== undefined && a > 0 ? Math.round((b / a) * 100) / 100 : null;
  };
  summary.comparison = { tripled_p95_ratio: ratio('tripled'), baseline_p95_ratio: ratio('baseline') };
  summary.finished_at = new Date().toISOString();

  folder.write('summary.json', JSON.stringify(summary, null, 2) + '\n');
  folder.write('series.json', JSON.stringify(series) + '\n');
  await writeReport(folder.dir, { summary, series });
  folder.complete(reportsDir);
  unmark();
  await db.close();
  say(`report: ${folder.file('report.md')}${folder.dir.startsWith(reportsDir) ? ' (also reports/latest)' : ''}`);
  if (summary.comparison.tripled_p95_ratio !== null) say(`tripled product-list p95, before / after: ${summary.comparison.tripled_p95_ratio}x`);
});
