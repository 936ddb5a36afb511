import { fallsWithDates, projectSolve } from './projection.ts';
import type { CapacityPoint, CapacityResult, Projection, VariantModels } from './types.ts';

/** the review's rule: the shop's traffic puts the old query at 40 % of its capacity at the SLO, so 3x overloads it */
export const TRAFFIC_SHARE_OF_BEFORE = 0.4;

export interface Traffic {
  visitors_per_min: number;
  /** how the figure was chosen, for the review's first lines */
  basis: string;
}

/**
 * The traffic the review weighs: given, else the review's rule applied to the old query at the largest size it
 * still served (a series that outgrew the old query served its visitors at a smaller size: that is the shop's
 * traffic as the series grew on).
 */
export function chooseTraffic(r: CapacityResult, given: number | undefined): Traffic | null {
  if (given !== undefined) return { visitors_per_min: given, basis: `${given} visitors/min, as given (--traffic)` };
  const largest = Math.max(...r.points.map((p) => p.dates));
  const served = r.points
    .filter((p) => p.variant === 'before' && p.capacity_visitors_per_min > 0)
    .sort((a, b) => b.dates - a.dates);
  const before = served[0];
  if (!before) return null;
  const t = Math.round(before.capacity_visitors_per_min * TRAFFIC_SHARE_OF_BEFORE * 10) / 10;
  const at = before.dates.toLocaleString('en-US');
  const where =
    before.dates === largest
      ? `at ${at} dates`
      : `at ${at} dates, the largest size where it met the SLO at any rate (at ${largest.toLocaleString('en-US')} it met it at none)`;
  return {
    visitors_per_min: t,
    basis: `not given (--traffic), so the review's rule: ${Math.round(TRAFFIC_SHARE_OF_BEFORE * 100)} % of the old query's median capacity ${where} (${before.capacity_visitors_per_min} visitors/min) = ${t} visitors/min`,
  };
}

/** capacity / traffic: 1.0 = no headroom, below 1 = the SLO is already broken at that traffic */
export const headroom = (p: CapacityPoint, traffic: number): number =>
  traffic > 0 ? Math.round((p.capacity_visitors_per_min / traffic) * 100) / 100 : 0;

/** how far beyond the largest size measured a break is still stated */
export const MAX_EXTRAPOLATION = 10;

export interface BreakPoint {
  /** the number of dates at which the projected capacity falls to the traffic; null when it never does */
  dates: number | null;
  /** how that figure relates to the sizes measured */
  note: string;
}

/** how a break at `d` dates relates to the sizes measured, `lo`-`hi` */
function placed(d: number, lo: number, hi: number): BreakPoint {
  const rounded = d >= 100 ? Math.round(d / 10) * 10 : Math.round(d);
  if (d < lo)
    return {
      dates: rounded,
      note: `below the smallest size measured (${lo.toLocaleString('en-US')}): already broken there`,
    };
  if (d <= hi) return { dates: rounded, note: 'within the sizes measured' };
  // a curve through a few sizes says nothing about a series a hundred times larger
  if (d > MAX_EXTRAPOLATION * hi)
    return { dates: null, note: `beyond ${MAX_EXTRAPOLATION}x the largest size measured: not projected that far` };
  return { dates: rounded, note: `extrapolated ${(d / hi).toFixed(1)}x beyond the largest size measured` };
}

/**
 * Where a variant's projected capacity meets a traffic level. A capacity that does not fall with the dates
 * (exponent >= 0) never breaks by growth alone; a break beyond the largest size measured is an extrapolation
 * and says by how much. Where one product list alone is projected to reach the SLO at fewer dates, the SLO breaks
 * there at any traffic, whatever the capacity curve says.
 */
export function breakDates(pr: Projection | null, traffic: number, measured: number[]): BreakPoint {
  if (!pr) return { dates: null, note: 'unknown: no projection (fewer than two sizes with a capacity)' };
  const lo = Math.min(...measured);
  const hi = Math.max(...measured);
  const curve = curveBreak(pr, traffic, lo, hi);
  const alone = pr.solo?.slo_dates;
  if (alone == null || (curve.dates !== null && curve.dates <= alone)) return curve;
  const solo = placed(alone, lo, hi);
  return solo.dates === null
    ? curve
    : { dates: solo.dates, note: `${solo.note}; one product list alone reaches the SLO there, at any traffic` };
}

function curveBreak(pr: Projection, traffic: number, lo: number, hi: number): BreakPoint {
  if (!fallsWithDates(pr, hi))
    return { dates: null, note: 'no size: the projected capacity does not fall with the dates' };
  const d = projectSolve(pr, traffic);
  if (d === null) return { dates: null, note: 'no size' };
  return placed(d, lo, hi);
}

type Validation = NonNullable<Projection['validation']>;

const msText = (ms: number) => `${ms >= 100 ? Math.round(ms).toLocaleString('en-US') : ms} ms`;
const signedPct = (e: number) => `${e > 0 ? '+' : ''}${Math.round(e * 1000) / 10} %`;

/** The spill behind the solo projection at the held-out size, with what the query did there. */
export function spillAside(v: Validation): string {
  const c = v.solo_spill;
  if (!c) return '';
  const at = v.held_out_dates.toLocaleString('en-US');
  const m = c.measured;
  const there = m
    ? ` Measured alone at ${at} dates: ${m.node ?? 'no memory node'} ${m.spilled ? `spilled (${m.temp_blocks_written.toLocaleString('en-US')} temp blocks written)` : 'stayed in memory'}, ${msText(m.execution_ms)} of EXPLAIN.`
    : '';
  if (!c.spill) return ` No spill could be projected (${c.note}).${there}`;
  // the node that spilled there is not the one the smaller sizes' plans had: the planner chose another plan
  const otherPlan =
    m?.spilled && m.node !== c.spill.node
      ? ` That is not the node projected: the planner chose another plan there, which no figure of the smaller sizes shows.`
      : '';
  const sizes = Object.keys(c.spill.memory_kb_by_dates)
    .map((d) => Number(d).toLocaleString('en-US'))
    .join(', ');
  if (c.predicted)
    return ` That includes a spill: from ${sizes} dates the query's ${c.spill.node} is projected over its ${Math.round(c.spill.limit_kb).toLocaleString('en-US')} kB limit from ${(c.spill_dates ?? 0).toLocaleString('en-US')} dates, adding ${msText(c.extra_ms)} to the ${msText(c.without_spill_ms)} projected in memory.${there}${otherPlan}`;
  const why =
    c.spill_dates === null
      ? `its ${c.spill.node} does not grow with the dates`
      : c.spill_dates > v.held_out_dates
        ? `its ${c.spill.node} is projected over its limit only from ${c.spill_dates.toLocaleString('en-US')} dates`
        : 'the cost of a spill was not measured';
  return ` No spill is counted there: ${why}.${there}${otherPlan}`;
}

/** "a p50 of 880 ms and a p95 of 1,092 ms (measured alone there: 893 ms, -1.5 %; p95 1,236 ms)" */
function soloProjected(v: Validation): string {
  const p50 = v.solo_predicted_ms ?? 0;
  const p95 = v.solo_predicted_p95_ms ?? p50;
  const ratio = p50 > 0 ? Math.round((p95 / p50) * 100) / 100 : 1;
  const measured =
    v.solo_measured_ms == null
      ? ''
      : ` (measured alone there: ${msText(v.solo_measured_ms)}, ${signedPct(v.solo_error ?? 0)}${v.solo_measured_p95_ms == null ? '' : `; p95 ${msText(v.solo_measured_p95_ms)}`})`;
  return `a p50 of ${msText(p50)} and a p95 of ${msText(p95)} (the p50 times ${ratio}, the p95 / p50 of the requests alone at the smaller sizes)${measured}`;
}

/** What the solo time said at the held-out size, for a prediction the capacity curve made. */
function soloAside(v: Validation, slo: string): string {
  if (v.solo_predicted_ms == null)
    return v.solo_note
      ? ` The solo time could not be projected (${v.solo_note}): the capacity curve decided alone.`
      : '';
  return ` One product list alone is projected at ${soloProjected(v)} there, the p95 under the SLO's ${slo}: the solo time does not rule out a rate.${spillAside(v)}`;
}

/** The verdict when one request alone was projected over the SLO at the held-out size. */
function soloVerdictSentence(v: Validation, slo: string): string {
  const at = v.held_out_dates.toLocaleString('en-US');
  const head = `Fitted without ${at} dates it predicts no rate meets the SLO there: one request alone is projected at ${soloProjected(v)}, the p95 over the SLO's ${slo}, and under load a request only waits longer.`;
  const curve =
    v.curve_predicted !== undefined && v.curve_predicted > 0
      ? ` The capacity curve alone predicted ${v.curve_predicted} visitors/min; the solo time wins.`
      : '';
  if (v.measured > 0)
    return `${head}${curve} But ${v.measured} visitors/min were measured there (-100 %): the solo projection was wrong; use the measured points only.${spillAside(v)}`;
  const below = v.measured_below == null ? '' : ` (even ${v.measured_below} visitors/min failed)`;
  return `${head}${curve} Measured: no rate met it${below}. Predicted 0, measured 0: error 0 %, within the issue's 25 %.${spillAside(v)}`;
}

/** How far to trust a projection, from its held-out error: the sentence the review prints. */
export function trustSentence(pr: Projection | null, sloMs?: number): string {
  if (!pr) return 'There is no projection: fewer than two sizes had a capacity.';
  const v = pr.validation;
  if (!v)
    return `The projection is not validated: ${pr.validation_note}. Treat it as a line through the points, nothing more.`;
  const slo = sloMs === undefined ? 'p95' : `p95 of ${msText(sloMs)}`;
  if (v.predicted_by === 'solo-time') return soloVerdictSentence(v, slo);
  const aside = soloAside(v, slo);
  if (v.error === null) {
    const below = v.measured_below;
    const head = `Fitted without ${v.held_out_dates.toLocaleString('en-US')} dates it predicts ${v.predicted} visitors/min there; there even ${below ?? 'the lowest rate tried'} visitors/min failed the SLO.`;
    if (below == null) return `${head} The error cannot be told.${aside}`;
    if (v.predicted < below)
      return `${head} The prediction is consistent with that bound; its error cannot be told closer.${aside}`;
    return `${head} The prediction is at least ${Math.round(((v.predicted - below) / below) * 100)} % too high: use the measured points only.${aside}`;
  }
  const e = Math.abs(v.error);
  const head = `Fitted without ${v.held_out_dates.toLocaleString('en-US')} dates it predicts ${v.predicted} visitors/min there; ${v.measured} were measured (${signedPct(v.error)}).`;
  if (e <= 0.1)
    return `${head} Trust it within about ${Math.max(10, Math.ceil(e * 100))} % inside the sizes measured and for one step beyond.${aside}`;
  if (e <= 0.25)
    return `${head} Within the issue's 25 %: a planning figure, not a promise; widen every margin by ${Math.ceil(e * 100)} %.${aside}`;
  return `${head} More than 25 % off: the curve does not hold across these sizes (the limit changes with size); use the measured points only.${aside}`;
}

export const modelsOf = (r: CapacityResult, v: CapacityPoint['variant']): VariantModels | undefined =>
  r.variants?.find((m) => m.variant === v);
