import type { MeasuredStatement } from './capture.ts';
import { shapeNodes } from './plan-log.ts';
import type { PlanChange, PlanCount, SizeRef } from './report-types.ts';

/** A statement's plan shapes at one size, most used first (ties by shape, so the order repeats). */
export function planCounts(m: MeasuredStatement | undefined): PlanCount[] | null {
  if (!m?.plan_shapes) return null;
  const counts = Object.entries(m.plan_shapes).map(([shape, calls]) => ({ shape, calls }));
  if (counts.length === 0) return null;
  return counts.sort((a, b) => b.calls - a.calls || a.shape.localeCompare(b.shape));
}

const sameShapes = (a: string[], b: string[]) => a.length === b.length && a.every((s, i) => s === b[i]);

/**
 * Where a statement's plans differ: between each size and the next it ran at, and at each size from the
 * baseline's (when compared and the baseline has plans there). Which shapes a statement uses is decided by the
 * planner from the data, the parameters and the schema, and repeats on the same seed; so a difference is real,
 * though not always bad (a small table read whole, a large one through its index): a warning, never a verdict.
 */
export function planChanges(
  sizes: SizeRef[],
  plans: (PlanCount[] | null)[],
  baseline: (string[] | null)[] | null,
): PlanChange[] {
  const shapes = plans.map((p) => (p ? p.map((x) => x.shape).sort() : null));
  const out: PlanChange[] = [];
  let prev = -1;
  shapes.forEach((s, i) => {
    if (!s) return;
    if (prev >= 0 && !sameShapes(shapes[prev]!, s))
      out.push({ kind: 'sizes', from: sizes[prev].name, to: sizes[i].name, from_shapes: shapes[prev]!, to_shapes: s });
    prev = i;
  });
  shapes.forEach((s, i) => {
    const b = baseline?.[i];
    if (s && b && !sameShapes(b, s))
      out.push({ kind: 'baseline', from: 'baseline', to: sizes[i].name, from_shapes: b, to_shapes: s });
  });
  return out;
}

/**
 * What a reader needs from two sets of plan trees that are mostly the same: the shapes only one side used,
 * reduced to their nodes the other side's plans lack ("Seq Scan on pretixbase_subeventitem" against "Index
 * Scan on pretixbase_subeventitem using ..."). When the nodes are the same and only the trees differ, the
 * nodes lists are empty and `from`/`to` hold the differing shapes whole.
 */
export function changedNodes(c: PlanChange): { removed: string[]; added: string[]; from: string[]; to: string[] } {
  const from = c.from_shapes.filter((s) => !c.to_shapes.includes(s));
  const to = c.to_shapes.filter((s) => !c.from_shapes.includes(s));
  const nodes = (shapes: string[]) => new Set(shapes.flatMap(shapeNodes));
  const [fromAll, toAll] = [nodes(c.from_shapes), nodes(c.to_shapes)];
  return {
    removed: [...nodes(from)].filter((n) => !toAll.has(n)),
    added: [...nodes(to)].filter((n) => !fromAll.has(n)),
    from,
    to,
  };
}
