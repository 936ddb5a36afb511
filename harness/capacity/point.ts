import os from 'node:os';
import type { Variant } from '../../shop/queries/product-list.ts';
import type { RunFolder } from '../files/run-folder.ts';
import type { Watchdog } from '../guard/watchdog.ts';
import { calibrate } from '../load/calibrate.ts';
import { startShopProcess } from '../process/shop-process.ts';
import { pointBottleneck } from './bottleneck.ts';
import { median, range } from './repeats.ts';
import { findCapacity } from './search.ts';
import type { CapacityPoint, CapacityRepeat, UslResult } from './types.ts';
import { measureSolo } from './solo-probe.ts';
import { measurePlanMemory } from './memory-probe.ts';
import { planMemoryText } from './usage-text.ts';
import { measureUsl, USL_LEVELS, USL_LEVELS_QUICK } from './usl-probe.ts';

export const MAX_COARSE_STEPS = 4;
/** a repeat starts at the previous median and steps by this factor: the capacity is known to within a few steps */
const REPEAT_FACTOR = 1.2;

export interface PointPlan {
  variant: Variant;
  count: number;
  firstDate: number;
  dbUrl: string;
  postmasterPid?: number;
  /** temp_file_limit for the plan-memory EXPLAINs, which run alone (EmbeddedServer.soloTempFileLimit) */
  explainTempLimit?: string;
  seed: number;
  sloMs: number;
  maxErrorRate: number;
  stepS: number;
  repeats: number;
  precision: number;
  bisections: number;
  quick: boolean;
  /** measure the USL's closed loop on this point's shop too */
  usl: boolean;
  folder: RunFolder;
  watchdog: Watchdog;
  signal: AbortSignal;
  say: (line: string) => void;
}

/**
 * Before a point's search, on the idle shop and database: one product list alone (the solo probe), then the query
 * alone (its memory, and what a spill costs at this size).
 */
async function aloneFigures(p: PointPlan, shopUrl: string, label: string) {
  const { variant, count, firstDate, say } = p;
  const solo = await measureSolo({ shopUrl, firstDate, dates: count, signal: p.signal });
  say(
    solo
      ? `${label}: one product list alone: p50 ${solo.p50_ms} ms, p95 ${solo.p95_ms} ms over ${solo.requests} requests`
      : `${label}: one product list alone: no request answered within the probe's time`,
  );
  const mem = await measurePlanMemory({
    dbUrl: p.dbUrl,
    variant,
    subeventId: firstDate + Math.floor(count / 2),
    tempFileLimit: p.explainTempLimit,
    signal: p.signal,
  });
  say(`${label}: the query alone: ${mem.memory ? planMemoryText(mem.memory) : `not measured (${mem.error})`}`);
  return { solo, mem };
}

/**
 * One variant at one series size: a probe for a first guess, then `repeats` searches to the precision (each after
 * the first starting at the median so far), the bottleneck from the steps' figures, and, when asked, the USL's
 * closed loop at this size. The shop is watched throughout.
 */
export async function sweepPoint(p: PointPlan): Promise<{ point: CapacityPoint; usl: UslResult | null }> {
  const { variant, count, firstDate, say } = p;
  const label = `${variant} @ ${count} dates`;
  const shop = await startShopProcess(variant, p.dbUrl);
  p.watchdog.watchProcess('shop', `the shop (${variant})`, shop.unexpectedEnd);
  try {
    const { solo, mem } = await aloneFigures(p, shop.ready, label);
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
      `${label}: probe ${probe.calibration.product_list_capacity_rps} product lists/s, first try ${Math.round(estimate)} visitors/min`,
    );
    const repeats: CapacityRepeat[] = [];
    for (let i = 0; i < p.repeats; i++) {
      const known = repeats.map((r) => r.capacity_visitors_per_min).filter((c) => c > 0);
      const found = await findCapacity({
        shopUrl: shop.ready,
        firstDate,
        dates: count,
        seed: p.seed,
        sloMs: p.sloMs,
        maxErrorRate: p.maxErrorRate,
        stepS: p.stepS,
        estimate: known.length ? median(known) : estimate,
        factor: known.length ? REPEAT_FACTOR : 2,
        precision: p.precision,
        maxCoarse: MAX_COARSE_STEPS,
        bisections: p.bisections,
        exportFile: p.folder.file(`.step-${variant}-${count}.json`),
        runId: `${p.folder.runId}-${variant}-${count}-${i + 1}`,
        log: (line) => {
          say(line);
          p.watchdog.record(`${label}, repeat ${i + 1}: ${line.trim()}`);
        },
        signal: p.signal,
        watchdog: p.watchdog,
        label: `${label}, repeat ${i + 1}/${p.repeats}`,
        usage: { dbUrl: p.dbUrl, postmasterPid: p.postmasterPid },
      });
      const precision =
        found.firstFailing !== null && found.capacity > 0 ? found.firstFailing / found.capacity - 1 : null;
      repeats.push({
        capacity_visitors_per_min: found.capacity,
        first_failing_visitors_per_min: found.firstFailing,
        precision: precision === null ? null : Math.round(precision * 1000) / 1000,
        steps: found.steps,
      });
      say(`${label}: repeat ${i + 1}/${p.repeats}: capacity ${found.capacity} visitors/min`);
    }
    const capacities = repeats.map((r) => r.capacity_visitors_per_min);
    const failing = repeats.map((r) => r.first_failing_visitors_per_min).filter((f): f is number => f !== null);
    const steps = repeats.flatMap((r) => r.steps);
    const point: CapacityPoint = {
      variant,
      dates: count,
      capacity_visitors_per_min: median(capacities),
      first_failing_visitors_per_min: failing.length ? Math.min(...failing) : null,
      steps,
      repeats,
      median: median(capacities),
      range: range(capacities),
      bottleneck: pointBottleneck(steps),
      solo,
      plan_memory: mem.memory,
    };
    say(
      `${label}: capacity ${point.median} visitors/min (range ${point.range![0]}-${point.range![1]} over ${p.repeats} searches)${point.bottleneck ? `, limit: ${point.bottleneck.kind}` : ''}`,
    );
    const usl = p.usl
      ? await measureUsl({
          shopUrl: shop.ready,
          firstDate,
          dates: count,
          levels: p.quick ? USL_LEVELS_QUICK : USL_LEVELS,
          seconds: p.quick ? 1 : 4,
          signal: p.signal,
          say,
        })
      : null;
    return { point, usl };
  } finally {
    await shop.stop();
  }
}
