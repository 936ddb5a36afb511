import type { Cell } from '../../../report/document.ts';
import { fmtInt, fmtMs, fmtNum, fmtPct } from '../../../cli/format.ts';
import { L, phasesOf, R, REASON, type SectionBuilder } from './context.ts';

const OVERLOAD_MISSING = 'no capacity known: the phase never saturated and the rate was given, not calibrated';

function overloadText(
  overload: number | null | undefined,
  from: 'phase' | 'calibration' | null | undefined,
): string | null {
  if (overload === null || overload === undefined) return null;
  return `${fmtNum(overload)}x${from === 'calibration' ? ' (cal.)' : ''}`;
}

/** Requests, latency percentiles, errors and dropped visitors per variant and phase. */
export const loadSection: SectionBuilder = (ctx) => {
  const rows: Cell[][] = [];
  for (const name of ctx.present) {
    const v = ctx.variant(name);
    for (const p of phasesOf(v)) {
      const st = v.phases[p]!;
      rows.push([
        ctx.txt(name),
        ctx.txt(p),
        ctx.cell(fmtInt(st.iterations), REASON.missing),
        ctx.txt(fmtInt(st.requests) ?? '0'),
        ctx.cell(fmtNum(st.rps), REASON.missing),
        ctx.cell(fmtMs(st.p50_ms), REASON.missing),
        ctx.cell(fmtMs(st.p95_ms), REASON.missing),
        ctx.cell(fmtMs(st.p99_ms), REASON.missing),
        ctx.cell(fmtMs(st.mean_ms ?? null), REASON.missing),
        ctx.cell(fmtPct(st.error_rate), REASON.missing),
        ctx.cell(overloadText(st.overload, st.capacity_from), OVERLOAD_MISSING),
        ctx.txt(fmtInt(st.dropped_iterations) ?? '0'),
      ]);
    }
  }
  return {
    id: 'load',
    title: 'Load by variant and phase',
    paragraphs: [
      'Visitors are runner iterations started in the phase (open model: arrivals do not wait for slow pages). ' +
        'Dropped iterations are visitors the runner could not start because all its virtual users were busy, a sign of overload. ' +
        'Mean is over all page loads, a failure counted at the time it took (the post-mortem speaks of the average). ' +
        "Overload is the phase's product-list arrivals per second over the product lists the shop answered per second while it turned some away (its capacity at that time); a phase that turned none away is set against the calibration's capacity (marked *cal.*).",
    ],
    tables: [
      {
        headers: [
          'Variant',
          'Phase',
          'Visitors',
          'Requests',
          'rps',
          'p50',
          'p95',
          'p99',
          'Mean',
          'Errors',
          'Overload',
          'Dropped iterations',
        ],
        align: [L, L, R, R, R, R, R, R, R, R, R, R],
        rows,
      },
    ],
  };
};
