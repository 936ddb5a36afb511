import type { Cell } from '../../../report/document.ts';
import { fmtInt, fmtMs, fmtNum, fmtPct } from '../../../cli/format.ts';
import { L, phasesOf, R, REASON, type SectionBuilder } from './context.ts';

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
        ctx.cell(fmtPct(st.error_rate), REASON.missing),
        ctx.txt(fmtInt(st.dropped_iterations) ?? '0'),
      ]);
    }
  }
  return {
    id: 'load',
    title: 'Load by variant and phase',
    paragraphs: [
      'Visitors are runner iterations started in the phase (open model: arrivals do not wait for slow pages). ' +
        'Dropped iterations are visitors the runner could not start because all its virtual users were busy, a sign of overload.',
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
          'Errors',
          'Dropped iterations',
        ],
        align: [L, L, R, R, R, R, R, R, R, R],
        rows,
      },
    ],
  };
};
