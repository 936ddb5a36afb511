#!/usr/bin/env tsx
// Capacity sweep: npm run load:capacity [-- --variants before,after --dates 1000,3000,10000,30000 --slo-p95-ms 1000 --quick]
// For each variant and series size, the highest arrival rate whose product-list p95 stays under the SLO.
import os from 'node:os';
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { runMain, parseCli, parseNumberFlag, parseIntFlag } from './lib/main.ts';
import { UserError } from './lib/errors.ts';
import { parseVariants } from './lib/variants.ts';
import { onCleanup } from './lib/cleanup.ts';
import { reportsDir } from './lib/paths.ts';
import { progressLog } from './lib/verbosity.ts';
import { openDataset, type OpenedDataset } from './lib/dataset.ts';
import { datesSpec, parseSeed } from '../datasets/presets.ts';
import { RunFolder } from './incident/run-folder.ts';
import { calibrate } from './incident/calibrate.ts';
import { startShopProcess } from './incident/run-variant.ts';
import { findCapacity } from './capacity/search.ts';
import { renderCapacityHtml, renderCapacityMarkdown, capacityVerdict } from './capacity/render.ts';
import type { CapacityPoint, CapacityResult } from './capacity/types.ts';

function parseDates(raw: string): number[] {
  const parts = raw.split(',').map((s) => s.trim());
  if (raw.trim() === '' || parts.some((p) => !/^\d+$/.test(p) || Number(p) < 1 || Number(p) > 1_000_000)) {
    throw new UserError(`--dates '${raw}' is not a list of date counts (accepted: comma-separated whole numbers from 1 to 1000000, e.g. 1000,3000,10000,30000)`);
  }
  return [...new Set(parts.map(Number))].sort((a, b) => a - b);
}


await runMain(async () => {
  const { values } = parseCli({
    variants: { type: 'string', default: 'before,after' },
    dates: { type: 'string' },
    'slo-p95-ms': { type: 'string', default: '1000' },
    'max-error-rate': { type: 'string', default: '0.01' },
    'step-s': { type: 'string' },
    quick: { type: 'boolean', default: false },
    seed: { type: 'string' },
    out: { type: 'string' },
  });
  const quick = values.quick!;
  const variants = parseVariants(values.variants!);
  const dates = parseDates(values.dates ?? (quick ? '1000,3000' : '1000,3000,10000,30000'));
  const slo = parseNumberFlag('slo-p95-ms', values['slo-p95-ms'], (n) => n > 0, 'milliseconds, a number > 0')!;
  const maxErrorRate = parseNumberFlag('max-error-rate', values['max-error-rate'], (n) => n > 0 && n <= 1, 'a fraction above 0 and at most 1')!;
  const stepS = parseIntFlag('step-s', values['step-s'], 3, 600) ?? (quick ? 5 : 15);
  const seed = parseSeed(values.seed);
  const maxCoarse = 4;
  const bisections = quick ? 1 : 3;

  const folder = RunFolder.create(path.join(reportsDir, 'capacity'), values.out);
  const unmark = onCleanup('run folder', () => folder.markIncomplete('interrupted'));
  const log = progressLog();
  const say = (line: string) => console.log(line);
  const points = dates.length * variants.length;
  const boundS = points * (3 + 2 + (maxCoarse + bisections) * (stepS + 4));
  say(`capacity sweep: ${variants.join(', ')} x ${dates.join(', ')} dates, SLO product-list p95 < ${slo} ms and errors < ${maxErrorRate * 100} %, ${stepS} s steps; at most about ${Math.ceil(boundS / 60)} min of load plus seeding`);

  const started = new Date();
  const result: CapacityResult = {
    schema: 'loadlab.capacity/v1', run_id: folder.runId, started_at: started.toISOString(), finished_at: '',
    slo: { product_list_p95_ms: slo, max_error_rate: maxErrorRate }, step_duration_s: stepS,
    machine: { cpus: os.cpus().length, node: process.version, postgres: '' }, points: [],
  };
  for (const count of dates) {
    const spec = datesSpec(count);
    const ds: OpenedDataset = await openDataset({ preset: spec, seed, log });
    result.machine.postgres = ds.db.postgresVersion;
    say(`${count} dates: dataset ${ds.result.reused ? 'reused' : 'seeded'} (${ds.result.seconds.toFixed(1)} s)`);
    try {
      for (const variant of variants) {
        const shop = await startShopProcess(variant, spec.name, seed);
        try {
          const probe = await calibrate({ shopUrl: shop.ready, firstDate: ds.result.manifest.hot_subevent_first, dates: count, seconds: 2, concurrency: os.cpus().length });
          // the probe's closed loop is an upper bound: open arrivals with think times queue earlier
          const estimate = probe.baselineVisitorsPerMin / probe.calibration.target_utilisation * 0.6;
          say(`${variant} @ ${count} dates: probe ${probe.calibration.product_list_capacity_rps} product lists/s, first try ${Math.round(estimate)} visitors/min`);
          const found = await findCapacity({
            shopUrl: shop.ready, firstDate: ds.result.manifest.hot_subevent_first, dates: count, seed, sloMs: slo, maxErrorRate, stepS,
            estimate, maxCoarse, bisections, exportFile: folder.file(`.step-${variant}-${count}.json`), runId: `${folder.runId}-${variant}-${count}`, log: say,
          });
          const point: CapacityPoint = { variant, dates: count, capacity_visitors_per_min: found.capacity, first_failing_visitors_per_min: found.firstFailing, steps: found.steps };
          result.points.push(point);
          say(`${variant} @ ${count} dates: capacity ${found.capacity} visitors/min`);
        } finally {
          await shop.stop();
        }
      }
    } finally {
      await ds.db.close();
    }
  }
  result.finished_at = new Date().toISOString();
  folder.write('capacity.json', JSON.stringify(result, null, 2) + '\n');
  folder.write('capacity.md', renderCapacityMarkdown(result));
  folder.write('capacity.html', renderCapacityHtml(result));
  for (const f of readdirSync(folder.dir)) if (f.startsWith('.step-')) rmSync(folder.file(f), { force: true });
  folder.complete(path.join(reportsDir, 'capacity'));
  unmark();
  say(capacityVerdict(result));
  say(`written: ${folder.file('capacity.md')}`);
});
