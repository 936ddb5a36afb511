import { fmtRatio } from '../../../cli/format.ts';
import { L, R, REASON, type SectionBuilder } from './context.ts';

/** The headline ratios: how much faster the fix's product list was. */
export const comparisonSection: SectionBuilder = (ctx) => {
  const c = ctx.summary.comparison;
  return {
    id: 'comparison',
    title: 'Comparison',
    paragraphs: ['Ratios are before / after of the product-list p95: above 1 the fix is faster.'],
    tables: [
      {
        headers: ['', 'before / after'],
        align: [L, R],
        rows: [
          [ctx.txt('Tripled-phase product-list p95'), ctx.cell(fmtRatio(c?.tripled_p95_ratio), REASON.ratio)],
          [ctx.txt('Baseline product-list p95'), ctx.cell(fmtRatio(c?.baseline_p95_ratio), REASON.ratio)],
        ],
      },
    ],
  };
};
