import {
  fitLinearCost,
  fitPowerLaw,
  linearCostAt,
  linearCostSolve,
  powerLawAt,
  powerLawSolve,
  type LinearCost,
  type PowerLaw,
} from './fits.ts';
import { fitSolo, soloCheck, soloSamples } from './solo-projection.ts';
import type { CapacityPoint, Projection, ProjectionModel } from './types.ts';

const r3 = (n: number) => Math.round(n * 1000) / 1000;
const sig = (n: number) => Number(n.toPrecision(4));

/** A curve of capacity against dates: how to fit it, read it and solve it, with its parameters as stored. */
interface Family {
  fit(xs: number[], ys: number[]): Record<string, number | null> | null;
  at(p: Record<string, number | null>, x: number): number;
  solve(p: Record<string, number | null>, y: number): number | null;
}

const FAMILIES: Record<ProjectionModel, Family> = {
  'power-law': {
    fit: (xs, ys) => {
      const p = fitPowerLaw(xs, ys);
      return p && { a: sig(p.a), b: r3(p.b), r2: p.r2 === null ? null : r3(p.r2) };
    },
    at: (p, x) => powerLawAt(p as unknown as PowerLaw, x),
    solve: (p, y) => powerLawSolve(p as unknown as PowerLaw, y),
  },
  'linear-cost': {
    fit: (xs, ys) => {
      const p = fitLinearCost(xs, ys);
      return p && { s0: sig(p.s0), s1: sig(p.s1) };
    },
    at: (p, x) => linearCostAt(p as unknown as LinearCost, x),
    solve: (p, y) => linearCostSolve(p as unknown as LinearCost, y),
  },
};

export const projectAt = (pr: Pick<Projection, 'model' | 'parameters'>, x: number): number =>
  FAMILIES[pr.model].at(pr.parameters, x);
export const projectSolve = (pr: Pick<Projection, 'model' | 'parameters'>, y: number): number | null =>
  FAMILIES[pr.model].solve(pr.parameters, y);

/** Whether the projected capacity falls as the series grows (by at least 2 % over a tenfold growth). */
export function fallsWithDates(pr: Pick<Projection, 'model' | 'parameters'>, at: number): boolean {
  return projectAt(pr, at * 10) < projectAt(pr, at) * 0.98;
}

/** relative root mean square of a fitted curve over the points it was fitted to */
function inSampleError(model: ProjectionModel, xs: number[], ys: number[]): number {
  const p = FAMILIES[model].fit(xs, ys);
  if (!p) return Number.POSITIVE_INFINITY;
  return Math.sqrt(ys.reduce((s, y, i) => s + ((FAMILIES[model].at(p, xs[i]) - y) / y) ** 2, 0) / ys.length);
}

/**
 * Capacity against dates for one variant through the medians, and its check: the same fit without the largest
 * size, asked for the largest. The curve is the power law unless, on the sizes the check fits (never the held-out
 * one), a fixed cost plus a cost per date fits them closer. Sizes where even the lowest rate failed (capacity 0)
 * are left out of the curve. With the SLO's p95 and solo times, the time of one request alone is projected too
 * (solo-projection.ts): where it is over the SLO the prediction is 0, whatever the curve says.
 */
export function projectVariant(points: CapacityPoint[], sloMs?: number): Projection | null {
  const pr = curveCheck(points);
  if (!pr || sloMs === undefined) return pr;
  const all = soloSamples(points);
  const solo = all.usable.length >= 2 ? fitSolo(all.usable, sloMs, points) : null;
  return withSoloCheck({ ...pr, solo }, points, sloMs);
}

function curveCheck(points: CapacityPoint[]): Projection | null {
  const pr = projectMeasured(points.filter((p) => p.capacity_visitors_per_min > 0));
  const largest = [...points].sort((a, b) => b.dates - a.dates)[0];
  // the largest size failed at every rate tried: the fit stands on the others, checked against that bound
  if (!pr || largest.capacity_visitors_per_min > 0 || pr.validation_note?.startsWith('1 ')) return pr;
  const smaller = points.filter((p) => p.capacity_visitors_per_min > 0 && p.dates < largest.dates);
  if (smaller.length < 2) return pr;
  const predicted = Math.round(projectAt(pr, largest.dates) * 10) / 10;
  return {
    ...pr,
    validation: {
      held_out_dates: largest.dates,
      predicted,
      measured: 0,
      error: null,
      measured_below: largest.first_failing_visitors_per_min,
    },
    validation_note: null,
  };
}

/**
 * The held-out check with the solo time beside the curve's: when one request alone is projected over the SLO at
 * the held-out size, the prediction is 0 (the error then 0 where nothing passed, -100 % where a rate did).
 */
function withSoloCheck(pr: Projection, points: CapacityPoint[], sloMs: number): Projection {
  const v = pr.validation;
  if (!v) return pr;
  const { check, note } = soloCheck(points, v.held_out_dates, sloMs);
  const base = { ...v, predicted_by: 'capacity-curve' as const, curve_predicted: v.predicted };
  if (!check) return { ...pr, validation: { ...base, solo_note: note } };
  const solo = {
    solo_predicted_ms: check.predicted_ms,
    solo_measured_ms: check.measured_ms,
    solo_predicted_p95_ms: check.predicted_p95_ms,
    solo_measured_p95_ms: check.measured_p95_ms,
    solo_error: check.error,
    solo_note: note,
    solo_spill: check.spill,
  };
  if (!check.over_slo) return { ...pr, validation: { ...base, ...solo } };
  const error = v.measured > 0 ? -1 : 0;
  return { ...pr, validation: { ...base, ...solo, predicted: 0, error, predicted_by: 'solo-time' } };
}

function projectMeasured(measured: CapacityPoint[]): Projection | null {
  const pts = [...measured].sort((a, b) => a.dates - b.dates);
  const xs = pts.map((p) => p.dates);
  const ys = pts.map((p) => p.capacity_visitors_per_min);
  const trainX = xs.slice(0, -1);
  const trainY = ys.slice(0, -1);
  const errors = {
    'power-law': inSampleError('power-law', trainX, trainY),
    'linear-cost': inSampleError('linear-cost', trainX, trainY),
  };
  const model: ProjectionModel =
    pts.length >= 4 && errors['linear-cost'] < errors['power-law'] ? 'linear-cost' : 'power-law';
  const parameters = FAMILIES[model].fit(xs, ys);
  if (!parameters) return null;
  const choice =
    pts.length >= 4
      ? `chosen on the ${trainX.length} smaller sizes alone: fit error ${pctText(errors['power-law'])} as a power law, ${pctText(errors['linear-cost'])} as a fixed cost plus a cost per date`
      : 'a power law: choosing a curve needs three sizes besides the held-out one';
  if (pts.length < 3)
    return {
      model,
      parameters,
      choice,
      validation: null,
      validation_note: `${pts.length} sizes with a capacity: a validation needs three (two to fit, one held out)`,
      audit_cross_check: null,
    };
  const held = pts.at(-1)!;
  const fit = FAMILIES[model].fit(trainX, trainY)!;
  const predicted = FAMILIES[model].at(fit, held.dates);
  return {
    model,
    parameters,
    choice,
    validation: {
      held_out_dates: held.dates,
      predicted: Math.round(predicted * 10) / 10,
      measured: held.capacity_visitors_per_min,
      error: r3((predicted - held.capacity_visitors_per_min) / held.capacity_visitors_per_min),
    },
    validation_note: null,
    audit_cross_check: null,
  };
}

const pctText = (e: number) => (Number.isFinite(e) ? `${(e * 100).toFixed(1)} %` : 'no fit');

/** The curve in words, with its parameters: "capacity = 3.1e6 x dates^-0.9". */
export function curveText(pr: Pick<Projection, 'model' | 'parameters'>): string {
  const p = pr.parameters;
  return pr.model === 'power-law'
    ? `capacity = ${p.a} x dates^${p.b}${p.r2 !== null && p.r2 !== undefined ? ` (R² ${p.r2} in log space)` : ''}`
    : `1 / capacity = ${p.s0} + ${p.s1} x dates (a fixed ${((p.s0 ?? 0) * 60000).toFixed(1)} ms of the limit per visitor, plus ${((p.s1 ?? 0) * 60000 * 1000).toFixed(2)} ms per 1,000 dates)`;
}

interface BaselineFile {
  variant?: string;
  sizes?: { dates: number }[];
  statements?: { fingerprint: string; sql?: string; work_per_call: number[]; calls_per_visitor: number[] }[];
}

/**
 * The growth audit's view of the same variant: the exponent of work per visitor of the statement that does
 * most of the database's work at the baseline's largest size. When the database is the limit, capacity should
 * fall about as fast as that work grows (capacity exponent near minus this one); null when the baseline was
 * recorded for another variant or is unreadable.
 */
export function auditCrossCheck(baseline: unknown, variant: string): Projection['audit_cross_check'] {
  const b = baseline as BaselineFile;
  const sizes = b?.sizes;
  if (!b || b.variant !== variant || !sizes || sizes.length < 2 || !Array.isArray(b.statements)) return null;
  const last = sizes.length - 1;
  const work = (s: NonNullable<BaselineFile['statements']>[number], i: number) =>
    (s.work_per_call[i] ?? 0) * (s.calls_per_visitor[i] ?? 0);
  const top = [...b.statements].sort((x, y) => work(y, last) - work(x, last))[0];
  if (!top || work(top, 0) <= 0 || work(top, last) <= 0) return null;
  const exponent = Math.log(work(top, last) / work(top, 0)) / Math.log(sizes[last].dates / sizes[0].dates);
  return {
    fingerprint: top.fingerprint,
    work_exponent: r3(exponent),
    note: `the growth audit's baseline (${sizes[0].dates} -> ${sizes[last].dates} dates): the statement doing most work per visitor, ${top.fingerprint}, grows with exponent ${r3(exponent)}; a database-bound capacity would fall with about ${r3(-exponent)}`,
  };
}
