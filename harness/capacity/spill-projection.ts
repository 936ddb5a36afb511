import { fitLine } from './fits.ts';
import type { CapacityPoint, PlanMemory, SpillProjection } from './types.ts';

/**
 * From which size the product-list query spills to disk, and what that adds to one request alone, from the plan
 * memory of sizes measured in memory. A solo time fitted through sizes that all ran in memory cannot show the step
 * a spill adds (the old query: 90.5 ms of execution at 10,000 dates in memory, 1,130.7 ms at 30,000 with 39,101
 * temp blocks written); the node's memory, about linear in the rows it holds, can: where its line crosses the node's
 * limit the query starts writing to temp files. The spill's cost comes from the same query timed with work_mem
 * lowered at the smaller sizes, so nothing rests on the size being predicted.
 */

const sig = (n: number) => Number(n.toPrecision(4));
const at = (d: number) => d.toLocaleString('en-US');

interface Usable {
  dates: number;
  m: PlanMemory;
}

/** why a point's plan memory cannot be fitted; null when it can */
function unusable(pm: PlanMemory | null | undefined): string | null {
  if (pm === undefined) return 'not measured';
  if (pm === null) return 'the probe failed';
  const w = pm.at_work_mem;
  if (w.node === null) return 'no node reports memory';
  if (w.spilled) return `${w.node} spilled already`;
  if (!(typeof w.memory_kb === 'number' && Number.isFinite(w.memory_kb) && w.memory_kb > 0))
    return `memory ${w.memory_kb} kB is not a size`;
  return null;
}

/** the extra EXPLAIN time of the spill where it was measured: work_mem lowered, the same node spilled */
function spillCosts(used: Usable[]): { dates: number; extra: number; ratio: number }[] {
  return used.flatMap(({ dates, m }) => {
    const low = m.lowered;
    const w = m.at_work_mem;
    if (!low?.spilled || low.node !== w.node || !(w.execution_ms > 0) || !Number.isFinite(low.execution_ms)) return [];
    return [{ dates, extra: low.execution_ms - w.execution_ms, ratio: low.execution_ms / w.execution_ms }];
  });
}

/**
 * The spill projection through the points' plan memory (all of them: the caller passes only the sizes it may
 * fit), or null with a note naming what was missing. The node is the one the largest usable size names; sizes
 * whose plan had another node are left out (a plan that changes shape between sizes cannot be projected by one
 * node's memory).
 */
export function fitSpill(points: CapacityPoint[]): { spill: SpillProjection | null; note: string | null } {
  if (points.every((p) => p.plan_memory === undefined))
    return { spill: null, note: 'the query was not measured alone at any size (a run from before the memory probe)' };
  const left: string[] = [];
  const candidates: Usable[] = [];
  for (const p of [...points].sort((a, b) => a.dates - b.dates)) {
    const why = unusable(p.plan_memory);
    if (why) left.push(`${at(p.dates)} (${why})`);
    else candidates.push({ dates: p.dates, m: p.plan_memory! });
  }
  const node = candidates.at(-1)?.m.at_work_mem.node ?? null;
  const used = candidates.filter((u) => {
    if (u.m.at_work_mem.node === node) return true;
    left.push(`${at(u.dates)} (${u.m.at_work_mem.node} instead of ${node})`);
    return false;
  });
  const leftNote = left.length ? `plan memory left out at ${left.join(', ')} dates` : null;
  const line = fitLine(
    used.map((u) => u.dates),
    used.map((u) => u.m.at_work_mem.memory_kb!),
  );
  if (!line || node === null) {
    const why = `fewer than two sizes with the query's memory measured in memory`;
    return { spill: null, note: leftNote ? `${why}: ${leftNote}` : why };
  }
  const largest = used.at(-1)!.m.at_work_mem;
  const limit = largest.limit_kb;
  const spillDates = line.c1 > 0 ? Math.max(0, Math.round((limit - line.c0) / line.c1)) : null;
  const costs = spillCosts(used);
  const extra =
    costs.length >= 2
      ? fitLine(
          costs.map((c) => c.dates),
          costs.map((c) => c.extra),
        )
      : null;
  const ratio = costs.at(-1)?.ratio ?? null;
  const costNote = costs.length
    ? null
    : 'the spill was not timed at any size (work_mem lowered, the same node spilling)';
  const notes = [leftNote, costNote].filter((n): n is string => n !== null);
  return {
    spill: {
      node,
      memory_kb_by_dates: Object.fromEntries(used.map((u) => [String(u.dates), u.m.at_work_mem.memory_kb!])),
      memory_parameters: { m0: sig(line.c0), m1: sig(line.c1) },
      work_mem_kb: largest.work_mem_kb,
      limit_kb: limit,
      spill_dates: spillDates,
      spilled_ratio: ratio === null ? null : Math.round(ratio * 100) / 100,
      cost_model: extra ? 'extra-per-date' : 'ratio',
      extra_parameters: extra ? { e0: sig(extra.c0), e1: sig(extra.c1) } : null,
      measured_at_dates: costs.map((c) => c.dates),
      note: notes.length ? notes.join('; ') : null,
    },
    note: notes.length ? notes.join('; ') : null,
  };
}

/** whether the spill's cost is known: a line of extra time, or a ratio at one size */
export const spillCostKnown = (s: SpillProjection): boolean =>
  s.extra_parameters !== null || (s.spilled_ratio !== null && s.spilled_ratio > 0);

/** the spill is projected at `dates` (and its cost is known) */
export const spillsAt = (s: SpillProjection | null | undefined, dates: number): s is SpillProjection =>
  !!s && s.spill_dates !== null && dates >= s.spill_dates && spillCostKnown(s);

/**
 * What the spill adds to one request alone at `dates`, whose in-memory projection is `soloMs`: 0 below spill_dates;
 * beyond, the extra EXPLAIN time on its line (never below 0), or the solo time x (spilled_ratio - 1).
 */
export function spillExtraMs(s: SpillProjection | null | undefined, soloMs: number, dates: number): number {
  if (!spillsAt(s, dates)) return 0;
  if (s.extra_parameters) return Math.max(0, s.extra_parameters.e0 + s.extra_parameters.e1 * dates);
  return Math.max(0, soloMs * ((s.spilled_ratio ?? 1) - 1));
}

/** The spill projection in words, each figure from the record. */
export function spillText(s: SpillProjection): string {
  const mem = Object.entries(s.memory_kb_by_dates)
    .map(([d, kb]) => `${Math.round(kb).toLocaleString('en-US')} kB at ${at(Number(d))}`)
    .join(', ');
  const where =
    s.spill_dates === null
      ? 'its memory does not grow with the dates, so no spill is projected'
      : `over its limit of ${Math.round(s.limit_kb).toLocaleString('en-US')} kB (work_mem ${Math.round(s.work_mem_kb).toLocaleString('en-US')} kB) from ${at(s.spill_dates)} dates`;
  const measured = s.measured_at_dates.map(at).join(', ');
  const cost = !spillCostKnown(s)
    ? 'the cost of a spill was not measured'
    : s.extra_parameters
      ? `a spill adds ${s.extra_parameters.e0} ms + ${s.extra_parameters.e1} ms x dates (the query timed with work_mem lowered so it spilled, at ${measured} dates; spilled / in memory ${s.spilled_ratio}x at the largest)`
      : `a spill multiplies the time alone by ${s.spilled_ratio} (spilled / in memory with work_mem lowered, at ${measured} dates)`;
  return `The query's ${s.node} used ${mem} (kB = ${s.memory_parameters.m0} + ${s.memory_parameters.m1} x dates): ${where}; ${cost}.`;
}
