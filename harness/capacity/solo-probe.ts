import type { SoloTime } from './types.ts';

/** at most this many requests are timed, and the probe (its warm-up included) ends after this many seconds */
export const SOLO_REQUESTS = 10;
export const SOLO_BUDGET_S = 20;

/** nearest rank: with ten requests the p95 is the slowest one, a figure no interpolation makes more certain */
export function nearestRank(sorted: number[], q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)];
}

/** The probe's record from the durations of the answered requests; null when none was answered. */
export function soloFrom(durationsMs: number[], failed: number, seconds: number): SoloTime | null {
  if (durationsMs.length === 0) return null;
  const sorted = [...durationsMs].sort((a, b) => a - b);
  const r1 = (n: number) => Math.round(n * 10) / 10;
  return {
    requests: durationsMs.length,
    failed,
    p50_ms: r1(nearestRank(sorted, 0.5)),
    p95_ms: r1(nearestRank(sorted, 0.95)),
    durations_ms: durationsMs.map(r1),
    seconds: r1(seconds),
  };
}

/**
 * The time of one product list alone: the journey's product-list request, one after another on a shop nothing
 * else is loading, so no request waits behind another. Under load a request can only take longer than this,
 * which is what lets a projection of it say that no rate meets the SLO. One untimed request first pays for the
 * connection and cold caches. Bounded by SOLO_REQUESTS and SOLO_BUDGET_S; a request still running at the
 * budget's end is abandoned, not counted.
 */
export async function measureSolo(o: {
  shopUrl: string;
  firstDate: number;
  dates: number;
  signal: AbortSignal;
  requests?: number;
  budgetS?: number;
}): Promise<SoloTime | null> {
  const base = `${o.shopUrl}/citymuseum/timeslots`;
  // dates spread over the series, as the visitors pick them
  const dateAt = (i: number) => o.firstDate + ((i * 7919) % o.dates);
  const t0 = performance.now();
  const budget = AbortSignal.timeout((o.budgetS ?? SOLO_BUDGET_S) * 1000);
  const signal = AbortSignal.any([o.signal, budget]);
  const durations: number[] = [];
  let failed = 0;
  try {
    await (await fetch(`${base}/${dateAt(0)}/`, { signal })).arrayBuffer();
    for (let i = 1; i <= (o.requests ?? SOLO_REQUESTS); i++) {
      const s = performance.now();
      const res = await fetch(`${base}/${dateAt(i)}/`, { signal });
      await res.arrayBuffer();
      if (res.status === 200) durations.push(performance.now() - s);
      else failed++;
    }
  } catch (e) {
    // the budget ran out: what was timed stands; anything else (the run stopped, the shop gone) is the caller's
    if (o.signal.aborted || !budget.aborted) throw e;
  }
  return soloFrom(durations, failed, (performance.now() - t0) / 1000);
}
