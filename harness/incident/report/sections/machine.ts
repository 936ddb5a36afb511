import type { SectionBuilder } from './context.ts';

/** Where the figures were measured. */
export const machineSection: SectionBuilder = (ctx) => {
  const m = ctx.summary.machine;
  return {
    id: 'machine',
    title: 'Machine',
    paragraphs: [],
    tables: [
      ctx.facts([
        ['CPUs', ctx.txt(String(m.cpus))],
        ['Node', ctx.txt(m.node)],
        ['PostgreSQL', ctx.txt(`${m.postgres} (${m.database})`)],
        ['OS', ctx.txt(m.os)],
      ]),
    ],
  };
};
