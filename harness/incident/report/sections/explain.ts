import type { ExplainStats } from '../../types.ts';
import type { Cell } from '../../../report/document.ts';
import { fmtInt, fmtMs, type Num } from '../../../cli/format.ts';
import { L, R, REASON, VARIANTS, type SectionBuilder } from './context.ts';

/** The product-list query alone, before vs after: work that does not vary between runs. */
export const explainSection: SectionBuilder = (ctx) => {
  const ex = VARIANTS.map((n) => ctx.summary.variants[n]?.explain);
  const row = (label: string, pick: (e: ExplainStats) => number, fmt: (n: Num) => string | null): Cell[] => {
    const vals = ex.map((e) => (e ? pick(e) : null));
    return [
      ctx.txt(label),
      ...vals.map((v, i) =>
        ex[i] ? ctx.cell(fmt(v), 'EXPLAIN did not report this figure.') : ctx.cell(null, REASON.notRun),
      ),
      ctx.ratioCell(vals[0], vals[1]),
    ];
  };
  return {
    id: 'explain',
    title: 'EXPLAIN (ANALYZE, BUFFERS) of the product-list query',
    paragraphs: [
      "Buffers touched = shared hit + shared read + temp read + temp written at the plan's top node: it measures the work and, unlike time, does not vary between runs.",
    ],
    tables: [
      {
        headers: ['', 'before', 'after', 'before / after'],
        align: [L, R, R, R],
        rows: [
          row('Execution time', (e) => e.execution_ms, fmtMs),
          row('Buffers touched', (e) => e.buffers_touched, fmtInt),
          row('Temp blocks written', (e) => e.temp_blocks_written, fmtInt),
        ],
      },
    ],
  };
};
