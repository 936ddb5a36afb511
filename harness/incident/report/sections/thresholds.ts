import { thresholdsTable } from '../../../report/cells.ts';
import type { SectionBuilder } from './context.ts';

/** The script's thresholds as the runner judged them, and its exit code. */
export const thresholdsSection: SectionBuilder = (ctx) => {
  const { present } = ctx;
  return {
    id: 'thresholds',
    title: 'Thresholds',
    paragraphs: present.includes('before')
      ? [
          'The before variant is expected to fail its thresholds at the tripled rate: that is the outage being replayed.',
        ]
      : [],
    tables: [
      thresholdsTable(
        present.map((n) => ({
          name: n,
          thresholds: ctx.variant(n).thresholds,
          runnerExitCode: ctx.variant(n).runner_exit_code,
        })),
        ctx.notes,
      ),
    ],
  };
};
