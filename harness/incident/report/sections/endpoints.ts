import type { PhaseStats } from '../../types.ts';
import type { Cell } from '../../../report/document.ts';
import { PRODUCT_LIST } from '../figures.ts';
import { fmtInt, fmtMs, fmtPct } from '../../../cli/format.ts';
import { L, phasesOf, R, REASON, type SectionBuilder } from './context.ts';

/** the journey's order; other endpoints follow alphabetically */
const ENDPOINT_ORDER = [PRODUCT_LIST, 'calendar', 'cart-add', 'checkout'];

function endpointsOf(phases: PhaseStats[]): string[] {
  const names = new Set<string>();
  for (const p of phases) for (const n of Object.keys(p.endpoints ?? {})) names.add(n);
  const known = ENDPOINT_ORDER.filter((n) => names.has(n));
  const rest = [...names].filter((n) => !ENDPOINT_ORDER.includes(n)).sort();
  return [...known, ...rest];
}

/** Requests, p95 and errors per endpoint (the request's name tag), variant and phase. */
export const endpointsSection: SectionBuilder = (ctx) => {
  const rows: Cell[][] = [];
  for (const name of ctx.present) {
    const v = ctx.variant(name);
    const phases = phasesOf(v);
    for (const e of endpointsOf(phases.map((p) => v.phases[p]!))) {
      for (const p of phases) {
        const es = v.phases[p]!.endpoints?.[e];
        rows.push([
          ctx.txt(name),
          ctx.txt(e),
          ctx.txt(p),
          es ? ctx.txt(fmtInt(es.requests) ?? '0') : ctx.cell(null, REASON.noEndpoint),
          ctx.cell(es ? fmtMs(es.p95_ms) : null, REASON.noEndpoint),
          ctx.cell(es ? fmtPct(es.error_rate) : null, REASON.noEndpoint),
        ]);
      }
    }
  }
  return {
    id: 'endpoints',
    title: 'Endpoints',
    paragraphs: [],
    tables: [
      { headers: ['Variant', 'Endpoint', 'Phase', 'Requests', 'p95', 'Errors'], align: [L, L, L, R, R, R], rows },
    ],
  };
};
