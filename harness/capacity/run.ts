import os from 'node:os';
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { reportsDir } from '../files/paths.ts';
import { datesSpec } from '../../datasets/presets.ts';
import type { Variant } from '../../shop/queries/product-list.ts';
import type { RunFolder } from '../files/run-folder.ts';
import { calibrate } from '../load/calibrate.ts';
import { startShopProcess } from '../process/shop-process.ts';
import { findCapacity } from './search.ts';
import { renderCapacityHtml, renderCapacityMarkdown, capacityVerdict } from './render.ts';
import type { CapacityResult } from './types.ts';
import type { Watchdog } from '../guard/watchdog.ts';
import { inRunFrame, withDataset } from '../guard/run-frame.ts';
import { machineFacts } from '../db/machine.ts';

export interface CapacityOptions {
  variants: Variant[];
  /** series sizes, ascending */
  dates: number[];
  sloMs: number;
  maxErrorRate: number;
  stepS: number;
  quick: boolean;
  seed: number;
  out?: string;
  say: (line: string) => void;
}

const MAX_COARSE_STEPS = 4;

interface PointPlan extends CapacityOptions {
  bisections: number;
  count: number;
  variant: Variant;
  firstDate: number;
  dbUrl: string;
  folder: RunFolder;
  watchdog: Watchdog;
  signal: AbortSignal;
}

/** One variant at one series size: a probe for a first guess, then the search; the shop is watched throughout. */
async function sweepPoint(p: PointPlan): Promise<CapacityResult['points'][number]> {
  const { variant, count, firstDate, say } = p;
  const shop = await startShopProcess(variant, p.dbUrl);
  p.watchdog.watchProcess('shop', `the shop (${variant})`, shop.unexpectedEnd);
  try {
    const probe = await calibrate({
      shopUrl: shop.ready,
      firstDate,
      dates: count,
      seconds: 2,
      concurrency: os.cpus().length,
      signal: p.signal,
    });
    // the probe's closed loop is an upper bound: open arrivals with think times queue earlier
    const estimate = (probe.baselineVisitorsPerMin / probe.calibration.target_utilisation) * 0.6;
    say(
      `${variant} @ ${count} dates: probe ${probe.calibration.product_list_capacity_rps} product lists/s, first try ${Math.round(estimate)} visitors/min`,
    );
    const found = await findCapacity({
      shopUrl: shop.ready,
      firstDate,
      dates: count,
      seed: p.seed,
      sloMs: p.sloMs,
      maxErrorRate: p.maxErrorRate,
      stepS: p.stepS,
      estimate,
      maxCoarse: MAX_COARSE_STEPS,
      bisections: p.bisections,
      exportFile: p.folder.file(`.step-${variant}-${count}.json`),
      runId: `${p.folder.runId}-${variant}-${count}`,
      log: (line) => {
        say(line);
        p.watchdog.record(`${variant} @ ${count} dates: ${line.trim()}`);
      },
      signal: p.signal,
      watchdog: p.watchdog,
      label: `${variant} @ ${count} dates`,
    });
    say(`${variant} @ ${count} dates: capacity ${found.capacity} visitors/min`);
    return {
      variant,
      dates: count,
      capacity_visitors_per_min: found.capacity,
      first_failing_visitors_per_min: found.firstFailing,
      steps: found.steps,
    };
  } finally {
    await shop.stop();
  }
}

/**
 * For each series size and variant, the highest arrival rate whose product-list p95 stays under the SLO with
 * errors under the limit; writes capacity.json, capacity.md and capacity.html. A watchdog stops it on a fault
 * (disk below its floor, the database, a shop or a runner gone), leaving the folder INCOMPLETE with the steps
 * measured so far.
 */
export async function runCapacitySweep(o: CapacityOptions): Promise<{ result: CapacityResult; folder: RunFolder }> {
  const { variants, dates, seed, say } = o;
  const capacityDir = path.join(reportsDir, 'capacity');
  const bisections = o.quick ? 1 : 3;
  const boundS = dates.length * variants.length * (3 + 2 + (MAX_COARSE_STEPS + bisections) * (o.stepS + 4));
  const result: CapacityResult = {
    schema: 'loadlab.capacity/v1',
    run_id: '',
    started_at: new Date().toISOString(),
    finished_at: '',
    slo: { product_list_p95_ms: o.sloMs, max_error_rate: o.maxErrorRate },
    step_duration_s: o.stepS,
    machine: null,
    points: [],
  };
  const { folder } = await inRunFrame(
    {
      reportsDir: capacityDir,
      out: o.out,
      say,
      intro: (f) =>
        `capacity sweep: ${variants.join(', ')} x ${dates.join(', ')} dates, SLO product-list p95 < ${o.sloMs} ms and errors < ${o.maxErrorRate * 100} %, ${o.stepS} s steps; at most about ${Math.ceil(boundS / 60)} min of load plus seeding; run folder ${f.dir}`,
    },
    async (frame) => {
      result.run_id = frame.folder.runId;
      for (const count of dates)
        await withDataset(frame, datesSpec(count), seed, async ({ db, result: seeded }) => {
          result.machine = machineFacts(db);
          for (const variant of variants) {
            const found = await sweepPoint({
              ...o,
              bisections,
              count,
              variant,
              firstDate: seeded.manifest.hot_subevent_first,
              dbUrl: db.url,
              folder: frame.folder,
              watchdog: frame.watchdog,
              signal: frame.signal,
            });
            result.points.push(found);
            frame.watchdog.record(
              `${variant} @ ${count} dates: capacity ${found.capacity_visitors_per_min} visitors/min (finished)`,
            );
          }
        });
      finish(result, frame.folder, capacityDir, say);
    },
  );
  return { result, folder };
}

/** capacity.json, .md and .html, the steps' scratch files gone, then the folder complete */
function finish(result: CapacityResult, folder: RunFolder, capacityDir: string, say: (line: string) => void): void {
  result.finished_at = new Date().toISOString();
  folder.write('capacity.json', JSON.stringify(result, null, 2) + '\n');
  folder.write('capacity.md', renderCapacityMarkdown(result));
  folder.write('capacity.html', renderCapacityHtml(result));
  for (const f of readdirSync(folder.dir)) if (f.startsWith('.step-')) rmSync(folder.file(f), { force: true });
  folder.complete(capacityDir);
  say(capacityVerdict(result));
}
