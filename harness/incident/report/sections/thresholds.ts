import type { Cell } from '../../../report/document.ts';
import { L, R, REASON, type SectionBuilder } from './context.ts';

/** The script's thresholds as the runner judged them, and its exit code. */
export const thresholdsSection: SectionBuilder = (ctx) => {
  const { present } = ctx;
  const names = [...new Set(present.flatMap((n) => Object.keys(ctx.variant(n).thresholds ?? {})))].sort();
  const rows: Cell[][] = names.map((t) => [
    ctx.txt(t),
    ...present.map((n): Cell => {
      const r = ctx.variant(n).thresholds?.[t];
      return r ? { text: r.ok ? 'pass' : 'fail', status: r.ok ? 'pass' : 'fail' } : ctx.cell(null, REASON.noThreshold);
    }),
  ]);
  rows.push([
    ctx.txt('Runner exit code'),
    ...present.map((n): Cell => {
      const code = ctx.variant(n).runner_exit_code;
      return { text: code === 99 ? '99 (thresholds failed)' : String(code), status: code === 0 ? 'pass' : 'fail' };
    }),
  ]);
  return {
    id: 'thresholds',
    title: 'Thresholds',
    paragraphs: present.includes('before')
      ? [
          'The before variant is expected to fail its thresholds at the tripled rate: that is the outage being replayed.',
        ]
      : [],
    tables: [{ headers: ['Threshold', ...present], align: [L, ...present.map(() => R)], rows }],
  };
};
