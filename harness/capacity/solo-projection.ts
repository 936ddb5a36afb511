import { fitLine, fitPowerLaw, powerLawAt, powerLawSolve } from './fits.ts';
import { fitSpill, spillExtraMs, spillsAt } from './spill-projection.ts';
import { median } from './repeats.ts';
import type { CapacityPoint, SoloProjection, SpillCheck, SpillProjection } from './types.ts';

/**
 * The time of one product list alone, projected against dates. A request under load waits as well as works, so
 * its p95 at any rate is at least what the same requests take alone: where the projected solo time is over the
 * SLO's p95, no rate meets the SLO and the capacity is 0, which no curve of capacity against dates can say.
 *
 * The curve is fitted to the median (p50) of the solo requests: with at most ten of them their p95 is the slowest
 * one, one neighbour's burst. The SLO is on the p95, though, and a query whose median alone is a little under it
 * has a p95 alone over it (30,000 dates: p50 893 ms, p95 1,236 ms against 1,000): so the p50 curve is read as a
 * p95 by the ratio p95 / p50 the requests alone showed at the sizes fitted (their median, which one burst at one
 * size does not move; never under 1). Curves by least squares: a fixed cost plus a cost per date (the old query counts the
 * quotas of every date; in milliseconds, so the largest sizes, where the work per date shows over the fixed
 * costs, decide the slope) or a power law (in log space), whichever is closer in milliseconds; with two sizes both pass through them and the cost
 * per date is taken.
 */

/** a median of fewer answered requests is one request's luck */
export const MIN_SOLO_REQUESTS = 3;

const r3 = (n: number) => Math.round(n * 1000) / 1000;
const sig = (n: number) => Number(n.toPrecision(4));

type Curve = Pick<SoloProjection, 'model' | 'parameters'>;

export function soloAt(c: Curve, dates: number): number {
  const p = c.parameters;
  return c.model === 'linear' ? (p.t0 ?? 0) + (p.t1 ?? 0) * dates : powerLawAt({ a: p.a!, b: p.b!, r2: null }, dates);
}

/** the dates at which the solo time reaches `ms`; null when it never does (a cost that does not grow) */
export function soloSolve(c: Curve, ms: number): number | null {
  const p = c.parameters;
  if (c.model === 'power-law') return (p.b ?? 0) > 0 ? powerLawSolve({ a: p.a!, b: p.b!, r2: null }, ms) : null;
  // a time that does not grow: over the SLO at every size already, or at none
  if ((p.t1 ?? 0) <= 0) return (p.t0 ?? 0) > ms ? 0 : null;
  const x = (ms - (p.t0 ?? 0)) / p.t1!;
  return Math.max(x, 0);
}

/** Which points carry a usable solo time, and a sentence naming those that do not. */
export function soloSamples(points: CapacityPoint[]): { usable: CapacityPoint[]; note: string | null } {
  const usable: CapacityPoint[] = [];
  const bad: string[] = [];
  for (const p of [...points].sort((a, b) => a.dates - b.dates)) {
    const s = p.solo;
    const at = p.dates.toLocaleString('en-US');
    if (!s) bad.push(`${at} (${s === null ? 'no request answered' : 'not measured'})`);
    else if (!(s.requests >= MIN_SOLO_REQUESTS))
      bad.push(`${at} (${s.requests} requests, fewer than ${MIN_SOLO_REQUESTS})`);
    else if (!(Number.isFinite(s.p50_ms) && s.p50_ms > 0)) bad.push(`${at} (p50 ${s.p50_ms} ms is not a time)`);
    else usable.push(p);
  }
  return { usable, note: bad.length ? `no usable solo time at ${bad.join(', ')} dates` : null };
}

const rmsMs = (c: Curve, xs: number[], ys: number[]) =>
  Math.sqrt(ys.reduce((s, y, i) => s + (soloAt(c, xs[i]) - y) ** 2, 0) / ys.length);

/** the solo time with the spill's cost where the spill is projected */
export function soloWithSpillAt(c: Curve & { spill?: SpillProjection | null }, dates: number): number {
  const inMemory = soloAt(c, dates);
  return inMemory + spillExtraMs(c.spill, inMemory, dates);
}

/**
 * Where the solo time reaches `ms` once the spill is counted: at spill_dates when the step there crosses it, else
 * on the way up beyond (bisection: both parts grow with the dates); the in-memory crossing when that comes first.
 */
function sloDatesWithSpill(c: Curve, spill: SpillProjection | null, ms: number): number | null {
  const inMemory = soloSolve(c, ms);
  if (!spill || spill.spill_dates === null || !spillsAt(spill, spill.spill_dates)) return inMemory;
  const from = spill.spill_dates;
  if (inMemory !== null && inMemory <= from) return inMemory;
  const total = (d: number) => soloWithSpillAt({ ...c, spill }, d);
  if (total(from) >= ms) return from;
  let hi = Math.max(from * 2, 1);
  while (total(hi) < ms && hi < 1e9) hi *= 2;
  if (total(hi) < ms) return inMemory;
  let lo = from;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (total(mid) >= ms) hi = mid;
    else lo = mid;
  }
  return hi;
}

/**
 * The solo p50 against dates through the given points (at least two sizes), or null; with the spill projected
 * from `spillFrom`'s plan memory (default the same points), which counts in slo_dates.
 */
export function fitSolo(
  points: CapacityPoint[],
  sloMs: number,
  spillFrom: CapacityPoint[] = points,
): SoloProjection | null {
  const xs = points.map((p) => p.dates);
  const ys = points.map((p) => p.solo!.p50_ms);
  if (new Set(xs).size < 2) return null;
  const line = fitLine(xs, ys);
  const pl = fitPowerLaw(xs, ys);
  const linear: Curve | null = line && { model: 'linear', parameters: { t0: sig(line.c0), t1: sig(line.c1) } };
  const power: Curve | null = pl && { model: 'power-law', parameters: { a: sig(pl.a), b: r3(pl.b) } };
  const err = (c: Curve | null) => (c ? rmsMs(c, xs, ys) : Number.POSITIVE_INFINITY);
  // a tie (two sizes: both exact) goes to the cost per date, the old query's own shape
  const chosen = err(power) < err(linear) - 1e-6 ? power : linear;
  if (!chosen) return null;
  const ms = (c: Curve | null) => (c ? `${err(c).toFixed(1)} ms` : 'no fit');
  const { spill } = fitSpill(spillFrom);
  const ratio = p95Ratio(points);
  // the p95 alone reaches the SLO where the p50 reaches the SLO over the ratio
  const crossing = sloDatesWithSpill(chosen, spill, sloMs / ratio);
  return {
    statistic: 'p50',
    ...chosen,
    p95_ratio: ratio,
    sizes: xs,
    choice:
      xs.length > 2
        ? `rms error ${ms(linear)} as a fixed cost plus a cost per date, ${ms(power)} as a power law`
        : 'two sizes: a fixed cost plus a cost per date through both',
    slo_dates: crossing === null ? null : Math.round(crossing),
    spill,
  };
}

/** p95 / p50 of the requests alone, the median over the given points; 1 when none has both */
export function p95Ratio(points: CapacityPoint[]): number {
  const ratios = points
    .map((p) => (p.solo && p.solo.p50_ms > 0 && Number.isFinite(p.solo.p95_ms) ? p.solo.p95_ms / p.solo.p50_ms : null))
    .filter((r): r is number => r !== null);
  return ratios.length === 0 ? 1 : Math.max(1, r3(median(ratios)));
}

/** The solo curve in words: "alone p50 = 3.2 ms + 0.041 ms x dates". */
export function soloCurveText(s: Pick<SoloProjection, 'model' | 'parameters'>): string {
  const p = s.parameters;
  return s.model === 'linear' ? `alone p50 = ${p.t0} ms + ${p.t1} ms x dates` : `alone p50 = ${p.a} ms x dates^${p.b}`;
}

export interface SoloCheck {
  /** the solo p50 at the held-out size projected from the smaller sizes, the spill's cost included */
  predicted_ms: number;
  measured_ms: number | null;
  /** the same as a p95 (the p50 times the fit's p95 ratio), which the SLO is compared with; and as measured */
  predicted_p95_ms: number;
  measured_p95_ms: number | null;
  /** (predicted - measured) / measured, when a solo time was measured there */
  error: number | null;
  over_slo: boolean;
  fit: SoloProjection;
  spill: SpillCheck;
}

/** the spill at the held-out size: projected from the smaller sizes, beside what the query did there */
function spillCheck(fit: SoloProjection, points: CapacityPoint[], heldOut: number, note: string | null): SpillCheck {
  const without = soloAt(fit, heldOut);
  const extra = spillExtraMs(fit.spill, without, heldOut);
  const w = points.find((p) => p.dates === heldOut)?.plan_memory?.at_work_mem;
  return {
    predicted: spillsAt(fit.spill, heldOut),
    spill_dates: fit.spill?.spill_dates ?? null,
    without_spill_ms: Math.round(without * 10) / 10,
    extra_ms: Math.round(extra * 10) / 10,
    measured: w
      ? { node: w.node, spilled: w.spilled, temp_blocks_written: w.temp_blocks_written, execution_ms: w.execution_ms }
      : null,
    spill: fit.spill ?? null,
    note,
  };
}

/**
 * The solo time at `heldOut` projected from the smaller sizes' usable solo times; null with a note when fewer than
 * two of them have one (a capacity file from before the probe, requests that failed).
 */
export function soloCheck(
  points: CapacityPoint[],
  heldOut: number,
  sloMs: number,
): { check: SoloCheck | null; note: string | null } {
  const { usable, note } = soloSamples(points);
  const train = usable.filter((p) => p.dates < heldOut);
  const smaller = points.filter((p) => p.dates < heldOut);
  const fit = train.length >= 2 ? fitSolo(train, sloMs, smaller) : null;
  if (!fit) {
    const why = `fewer than two sizes below ${heldOut.toLocaleString('en-US')} dates with a solo time`;
    return { check: null, note: note ? `${why}: ${note}` : why };
  }
  const predicted = soloWithSpillAt(fit, heldOut);
  const predictedP95 = predicted * (fit.p95_ratio ?? 1);
  const there = usable.find((p) => p.dates === heldOut)?.solo;
  const measured = there?.p50_ms ?? null;
  return {
    check: {
      predicted_ms: Math.round(predicted * 10) / 10,
      measured_ms: measured,
      predicted_p95_ms: Math.round(predictedP95 * 10) / 10,
      measured_p95_ms: there?.p95_ms ?? null,
      error: measured === null ? null : r3((predicted - measured) / measured),
      over_slo: predictedP95 > sloMs,
      fit,
      spill: spillCheck(fit, points, heldOut, fitSpill(smaller).note),
    },
    note,
  };
}
