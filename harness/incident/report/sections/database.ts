import type { VariantName } from '../../types.ts';
import type { Cell, Table } from '../../../report/document.ts';
import { perCallFigures, type PerCallFigures } from '../figures.ts';
import { fmtBytes, fmtInt, fmtMs, fmtNum, type Num } from '../../../cli/format.ts';
import { L, phasesOf, R, REASON, VARIANTS, type SectionBuilder, type SectionContext } from './context.ts';

/** per phase: the product-list query's counters, then the database's and its processes' */
function phaseRows(ctx: SectionContext): Cell[][] {
  const rows: Cell[][] = [];
  for (const name of ctx.present) {
    const v = ctx.variant(name);
    for (const p of phasesOf(v)) {
      const d = v.db_phases?.[p];
      if (!d) {
        rows.push([ctx.txt(name), ctx.txt(p), ...Array.from({ length: 10 }, () => ctx.cell(null, REASON.noDbPhase))]);
        continue;
      }
      const q = d.product_list_query;
      rows.push([
        ctx.txt(name),
        ctx.txt(p),
        ctx.cell(fmtInt(q?.calls), REASON.pgss),
        ctx.cell(fmtMs(q?.mean_ms), REASON.pgss),
        ctx.cell(fmtInt(q?.shared_blks_hit), REASON.pgss),
        ctx.cell(fmtInt(q?.shared_blks_read), REASON.pgss),
        ctx.cell(fmtInt(q?.temp_blks_written), REASON.pgss),
        ctx.cell(fmtBytes(d.temp_bytes), REASON.pgStatDb),
        ctx.cell(fmtInt(d.blks_read), REASON.pgStatDb),
        ctx.cell(fmtBytes(d.os_read_bytes), REASON.osIo),
        ctx.cell(fmtBytes(d.os_write_bytes), REASON.osIo),
        ctx.cell(fmtNum(d.cpu_ms), REASON.cpu),
      ]);
    }
  }
  return rows;
}

/** per product-list call, before vs after, over each variant's whole run */
function perCallTable(ctx: SectionContext): Table {
  const s = ctx.summary;
  const perCall = Object.fromEntries(ctx.present.map((n) => [n, perCallFigures(ctx.variant(n).db)])) as Partial<
    Record<VariantName, PerCallFigures>
  >;
  const reason = (n: VariantName) => (ctx.variant(n).db.product_list_query === null ? REASON.pgss : REASON.noCalls);
  const row = (
    label: string,
    pick: (f: PerCallFigures) => number | null,
    fmt: (n: Num) => string | null,
    tempFromDb = false,
  ): Cell[] => {
    const vals = VARIANTS.map((n) => (perCall[n] ? pick(perCall[n]!) : null));
    return [
      ctx.txt(label),
      ...VARIANTS.map((n, i) => {
        if (!perCall[n]) return ctx.cell(null, REASON.notRun);
        return ctx.cell(
          fmt(vals[i]),
          tempFromDb && s.variants[n]!.db.temp_bytes === null ? REASON.pgStatDb : reason(n),
        );
      }),
      ctx.ratioCell(vals[0], vals[1]),
    ];
  };
  return {
    headers: ['Per product-list call (whole run)', 'before', 'after', 'before / after'],
    align: [L, R, R, R],
    rows: [
      [
        ctx.txt('Calls'),
        ...VARIANTS.map((n) =>
          perCall[n] ? ctx.cell(fmtInt(perCall[n]!.calls), reason(n)) : ctx.cell(null, REASON.notRun),
        ),
        ctx.txt(''),
      ],
      row('Mean time', (f) => f.meanMs, fmtMs),
      row('Temp bytes / call', (f) => f.tempBytes, fmtBytes, true),
      row('Temp blocks written / call', (f) => f.tempBlocks, fmtNum),
      row('Buffers (shared hit + read) / call', (f) => f.buffers, fmtNum),
      row('Shared blocks read / call', (f) => f.reads, fmtNum),
    ],
  };
}

/** The incident's signature: temp files and reads, per phase and per product-list call. */
export const databaseSection: SectionBuilder = (ctx) => {
  // rows before the per-call table, so footnotes are numbered in reading order
  const rows = phaseRows(ctx);
  return {
    id: 'db',
    title: 'Database I/O',
    paragraphs: [
      "Per phase, from pg_stat_statements (product-list query), pg_stat_database (temp bytes, blocks read) and the database server's process counters (OS bytes, CPU). " +
        'Temp bytes per call divide all temporary-file bytes by the product-list calls: during the run that query is the one that spills to disk.',
    ],
    tables: [
      {
        headers: [
          'Variant',
          'Phase',
          'Product-list calls',
          'Mean',
          'Shared hits',
          'Shared reads',
          'Temp blocks written',
          'Temp bytes',
          'Blocks read',
          'OS read',
          'OS write',
          'CPU ms',
        ],
        align: [L, L, R, R, R, R, R, R, R, R, R, R],
        rows,
      },
      perCallTable(ctx),
    ],
  };
};
