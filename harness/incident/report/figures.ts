/** Figures derived from a run's summary that more than one part of the report states (verdict and tables). */
import type { DbStats, PhaseStats } from '../types.ts';
import { div } from '../../cli/format.ts';

export const PRODUCT_LIST = 'product-list';

/** product-list p95 and errors of a phase; the phase's overall figures when the endpoint is missing. */
export interface PlFigures {
  p95: number | null;
  errors: number | null;
  scope: 'product-list' | 'all requests';
}

export function productList(p: PhaseStats): PlFigures {
  const e = p.endpoints?.[PRODUCT_LIST];
  return e
    ? { p95: e.p95_ms, errors: e.error_rate, scope: 'product-list' }
    : { p95: p.p95_ms, errors: p.error_rate, scope: 'all requests' };
}

export interface PerCallFigures {
  calls: number | null;
  tempBytes: number | null;
  tempBlocks: number | null;
  buffers: number | null;
  reads: number | null;
  meanMs: number | null;
}

/** Per product-list call, over the variant's whole run. Temp bytes come from pg_stat_database (all queries),
 * but during the run the product-list query is the only one that spills, so dividing by its calls is fair. */
export function perCallFigures(db: DbStats): PerCallFigures {
  const q = db.product_list_query;
  const calls = q && q.calls > 0 ? q.calls : null;
  return {
    calls,
    tempBytes: div(db.temp_bytes, calls),
    tempBlocks: div(q?.temp_blks_written, calls),
    buffers: q && calls ? (q.shared_blks_hit + q.shared_blks_read) / calls : null,
    reads: div(q?.shared_blks_read, calls),
    meanMs: q ? q.mean_ms : null,
  };
}
