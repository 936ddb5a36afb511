import type { Calibration } from './calibration.ts';
import type { Watchdog } from '../guard/watchdog.ts';
import { startShopProcess } from '../process/shop-process.ts';
import { DEFAULT_POOL_SIZE } from '../../shop/db.ts';

export const PRODUCT_LIST_REQUESTS_PER_VISITOR = 1.3; // every visitor views one date, 30 % a second one
/**
 * The baseline's share of what the probe found `before` can serve, chosen so that three times it is the
 * post-mortem's overload (README: "The post-mortem's shape on every run"). Once visitors arrive x times faster
 * than the shop answers, its queue for a connection fills until a page waits the shop's limit, and from then on
 * it answers what it can and turns the rest away: 1 - 1/x of the page loads fail, 30 % at x = 1.43. The phase
 * also spends its first seconds filling the queue: in 20 default runs the band of 20-45 % failed with a mean past
 * 8 s held from x = 1.30 (20.6 %; 1.30x also met 18.9 %) to 1.95 (44.4 %; 1.97x met 46.9 %), whose geometric
 * middle is 1.59. A run meets x = 3R times the probe's capacity over the tripled phase's own; over those 20 runs
 * (R = 45-66 %) that ratio had a geometric mean of 0.94 and a spread of 11.5 % (sd of its log), unrelated to
 * what the probe measured (correlation 0.07) and with no trend in R that outlasted one evening's batch. So R =
 * 1.59 / (3 x 0.94) = 0.565 puts the middle of the band where runs land on average, and its edges 1.8 sd away.
 */
export const TARGET_UTILISATION = 0.565;

/** The calibration record of a rate the user gave (--baseline-rate): nothing measured. */
export function givenCalibration(visitorsPerMin: number, target = TARGET_UTILISATION): Calibration {
  return {
    method: 'given',
    product_list_capacity_rps: null,
    service_time_ms: null,
    product_list_requests_per_visitor: PRODUCT_LIST_REQUESTS_PER_VISITOR,
    target_utilisation: target,
    formula: `--baseline-rate ${visitorsPerMin} visitors/min, as given`,
  };
}

export interface CalibrationResult {
  baselineVisitorsPerMin: number;
  calibration: Calibration;
}

/**
 * Measures what the `before` variant can serve: a closed loop of `concurrency` clients requesting product
 * lists of dates spread over the series for `seconds`. The baseline rate then puts `before` at
 * TARGET_UTILISATION of that capacity, so three times the baseline overloads it, as in the incident.
 */
export async function calibrate(opts: {
  shopUrl: string;
  firstDate: number;
  dates: number;
  /** the probe runs at least this long and until it has `minRequests` answers, but never past `maxSeconds` */
  seconds: number;
  minRequests?: number;
  maxSeconds?: number;
  concurrency: number;
  maxVisitorsPerMin?: number;
  /** the baseline's share of the capacity (default TARGET_UTILISATION) */
  targetUtilisation?: number;
  /** aborting ends the probe at once (a fault elsewhere stops the run) */
  signal?: AbortSignal;
}): Promise<CalibrationResult> {
  const base = `${opts.shopUrl}/citymuseum/timeslots`;
  const dateAt = (i: number) => opts.firstDate + ((i * 7919) % opts.dates);
  // warm-up: first requests pay for connection set-up and cold caches
  for (let i = 0; i < 2; i++) await (await fetch(`${base}/${dateAt(i)}/`, { signal: opts.signal })).arrayBuffer();

  let next = 2;
  let done = 0;
  let busyMs = 0;
  const t0 = performance.now();
  const minEnd = t0 + opts.seconds * 1000;
  const hardEnd = t0 + Math.max(opts.seconds, opts.maxSeconds ?? opts.seconds) * 1000;
  const minRequests = opts.minRequests ?? 0;
  // a slow query needs a longer look: a dozen answers would make a noisy capacity
  const more = () => performance.now() < hardEnd && (performance.now() < minEnd || done < minRequests);
  const worker = async () => {
    while (more()) {
      const s = performance.now();
      const timeout = AbortSignal.timeout(30_000);
      const res = await fetch(`${base}/${dateAt(next++)}/`, {
        signal: opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout,
      });
      await res.arrayBuffer();
      if (res.status === 200) {
        done++;
        busyMs += performance.now() - s;
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  const elapsedS = (performance.now() - t0) / 1000;
  const capacity = done / elapsedS;
  const serviceMs = done ? busyMs / done : 0;
  const target = opts.targetUtilisation ?? TARGET_UTILISATION;
  let perMin = (target * capacity * 60) / PRODUCT_LIST_REQUESTS_PER_VISITOR;
  let formula = `R = ${target} x ${capacity.toFixed(2)} product-list req/s / ${PRODUCT_LIST_REQUESTS_PER_VISITOR} product lists per visitor x 60 s = ${perMin.toFixed(1)} visitors/min`;
  if (opts.maxVisitorsPerMin && perMin > opts.maxVisitorsPerMin) {
    formula += `, capped at ${opts.maxVisitorsPerMin} visitors/min for a short run`;
    perMin = opts.maxVisitorsPerMin;
  }
  return {
    baselineVisitorsPerMin: Math.max(1, Math.round(perMin * 10) / 10),
    calibration: {
      method: 'measured',
      product_list_capacity_rps: Math.round(capacity * 100) / 100,
      service_time_ms: Math.round(serviceMs * 10) / 10,
      product_list_requests_per_visitor: PRODUCT_LIST_REQUESTS_PER_VISITOR,
      target_utilisation: target,
      formula: `${formula} (probe: ${opts.concurrency} concurrent clients for ${elapsedS.toFixed(1)} s, ${done} product lists)`,
    },
  };
}

/**
 * The baseline rate of a replay: the one given (--baseline-rate), or measured on a `before` shop of its own as
 * above, with the probe's length and a cap on the rate suited to a --quick run. The run's watchdog watches that
 * shop, and its signal ends the probe on a fault.
 */
export async function baselineRate(o: {
  dbUrl: string;
  firstDate: number;
  dates: number;
  quick: boolean;
  given?: number;
  say: (line: string) => void;
  watchdog: Watchdog;
  signal: AbortSignal;
  /** the shop's database connections (default DEFAULT_POOL_SIZE) */
  poolSize?: number;
  /** the baseline's share of the capacity (default TARGET_UTILISATION, the replay's) */
  targetUtilisation?: number;
}): Promise<CalibrationResult> {
  if (o.given !== undefined)
    return { baselineVisitorsPerMin: o.given, calibration: givenCalibration(o.given, o.targetUtilisation) };
  o.say('calibrating: measuring what the before variant can serve (closed loop of product-list requests)');
  const pool = o.poolSize ?? DEFAULT_POOL_SIZE;
  const shop = await startShopProcess('before', o.dbUrl, { poolSize: pool });
  o.watchdog.watchProcess('shop', 'the shop (before, calibration)', shop.unexpectedEnd);
  try {
    return await calibrate({
      shopUrl: shop.ready,
      firstDate: o.firstDate,
      dates: o.dates,
      seconds: o.quick ? 3 : 15,
      minRequests: o.quick ? 0 : 80,
      maxSeconds: o.quick ? 3 : 60,
      // twice the shop's connections: the pool never idles between two requests, as under the tripled load
      concurrency: 2 * pool,
      maxVisitorsPerMin: o.quick ? 240 : undefined,
      targetUtilisation: o.targetUtilisation,
      signal: o.signal,
    });
  } finally {
    await shop.stop();
  }
}
