import { calibrate } from '../load/calibrate.ts';
import { fitUsl } from './fits.ts';
import type { UslResult } from './types.ts';

/** closed-loop concurrency levels: six or more, as the Universal Scalability Law needs to show its bend */
export const USL_LEVELS = [1, 2, 4, 8, 16, 32];
export const USL_LEVELS_QUICK = [1, 2, 3, 4, 6, 8];

/**
 * Throughput of product-list requests in a closed loop at each concurrency level (each client asks again as
 * soon as it is answered), then the USL fitted to them. The loop runs on the harness's own event loop.
 */
export async function measureUsl(o: {
  shopUrl: string;
  firstDate: number;
  dates: number;
  levels: number[];
  seconds: number;
  signal: AbortSignal;
  say: (line: string) => void;
}): Promise<UslResult | null> {
  const levels: UslResult['levels'] = [];
  for (const concurrency of o.levels) {
    const r = await calibrate({
      shopUrl: o.shopUrl,
      firstDate: o.firstDate,
      dates: o.dates,
      seconds: o.seconds,
      minRequests: 3 * concurrency,
      maxSeconds: o.seconds * 4,
      concurrency,
      signal: o.signal,
    });
    const throughput = r.calibration.product_list_capacity_rps ?? 0;
    levels.push({ concurrency, throughput_rps: throughput });
    o.say(`  USL at ${o.dates} dates: ${concurrency} clients -> ${throughput} product lists/s`);
  }
  const fit = fitUsl(levels.map((l) => ({ concurrency: l.concurrency, throughput: l.throughput_rps })));
  if (!fit) return null;
  const r = (n: number, d = 1000) => Math.round(n * d) / d;
  return {
    dates: o.dates,
    levels,
    sigma: r(fit.sigma, 1e5),
    kappa: r(fit.kappa, 1e7),
    lambda: r(fit.lambda, 100),
    peak_concurrency: fit.peak_concurrency === null ? null : r(fit.peak_concurrency, 10),
    peak_throughput: fit.peak_throughput === null ? null : r(fit.peak_throughput, 10),
    rms_relative_error: r(fit.rms_relative_error),
  };
}
