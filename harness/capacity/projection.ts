import { fitPowerLaw, powerLawAt } from './fits.ts';
import type { CapacityPoint, Projection } from './types.ts';

const r3 = (n: number) => Math.round(n * 1000) / 1000;

/**
 * Capacity against dates for one variant as a power law through the medians, and its check: the same fit
 * without the largest size, asked for the largest. Sizes where even the lowest rate failed (capacity 0) have no
 * place on a log scale and are left out.
 */
export function projectVariant(points: CapacityPoint[]): Projection | null {
  const pts = points.filter((p) => p.capacity_visitors_per_min > 0).sort((a, b) => a.dates - b.dates);
  const all = fitPowerLaw(
    pts.map((p) => p.dates),
    pts.map((p) => p.capacity_visitors_per_min),
  );
  if (!all) return null;
  const parameters = { a: r3(all.a), b: r3(all.b), r2: all.r2 === null ? null : r3(all.r2) };
  if (pts.length < 3)
    return {
      model: 'power-law',
      parameters,
      validation: null,
      validation_note: `${pts.length} sizes with a capacity: a validation needs three (two to fit, one held out)`,
      audit_cross_check: null,
    };
  const held = pts.at(-1)!;
  const rest = pts.slice(0, -1);
  const fit = fitPowerLaw(
    rest.map((p) => p.dates),
    rest.map((p) => p.capacity_visitors_per_min),
  )!;
  const predicted = powerLawAt(fit, held.dates);
  return {
    model: 'power-law',
    parameters,
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
