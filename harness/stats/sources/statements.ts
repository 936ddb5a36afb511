import type pg from 'pg';
import type { QueryCounters, StatementCounters } from '../types.ts';

/**
 * Which statements are the product-list query, by variant. Either one POSIX regex (PostgreSQL's `~`) whose
 * first parenthesised group names the variant, or variant -> regex. The default finds the shop's tag
 * `loadlab:product-list:<variant>`.
 *
 * Measured on PostgreSQL 18.4: pg_stat_statements drops a statement's LEADING comment from its text
 * (`/* tag *\/ SELECT ...` is stored as `SELECT ...`), keeps comments inside the statement
 * (`SELECT /* tag *\/ ...`), and computes queryid from the parse tree, so comments never split an entry
 * (the text is whichever was seen first). Tags inside the statement are matched here from the stored text;
 * tags only in a leading comment are still found through pg_stat_activity (its text is as sent) by learning
 * the query_id of a running tagged query, which needs the query to be caught running by a sample once.
 */
export type QueryMatch = string | Record<string, string>;

export const defaultQueryMatch = 'loadlab:product-list:([A-Za-z0-9_-]+)';

/** Parameters $1 (variant names, '' = take the regex's first group) and $2 (regexes). */
export function matcherParams(match: QueryMatch): [string[], string[]] {
  if (typeof match === 'string') return [[''], [match]];
  const entries = Object.entries(match);
  if (entries.length === 0) throw new Error('queryMatch names no variant');
  return [entries.map(([v]) => v), entries.map(([, re]) => re)];
}

/** SQL giving the variant of the text in QUERY (a placeholder the caller replaces), or NULL. */
export const matcherSql = `(SELECT CASE WHEN m.v = '' THEN substring(QUERY FROM m.re) ELSE m.v END
  FROM unnest($1::text[], $2::text[]) AS m(v, re) WHERE QUERY ~ m.re LIMIT 1)`;

const counterCols = `calls, total_exec_time, shared_blks_hit, shared_blks_read, temp_blks_read, temp_blks_written, rows`;

/** Every statement of this database, summed per queryid (one per role otherwise), as QueryCounters. */
const allStatementsSql = `SELECT json_object_agg(g.id, json_build_object('calls', g.calls, 'exec_ms', g.exec_ms, 'blocks', g.blocks, 'temp_blocks', g.temp_blocks, 'temp_written', g.temp_written, 'rows', g.rows))
      FROM (SELECT a.queryid::text AS id, sum(a.calls) AS calls, round(sum(a.total_exec_time)::numeric, 3) AS exec_ms,
                   sum(a.shared_blks_hit + a.shared_blks_read + a.local_blks_hit + a.local_blks_read) AS blocks,
                   sum(a.temp_blks_read + a.temp_blks_written) AS temp_blocks, sum(a.temp_blks_written) AS temp_written, sum(a.rows) AS rows
              FROM pg_stat_statements(false) a
             WHERE a.dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND a.queryid IS NOT NULL
             GROUP BY a.queryid) g`;

/**
 * The per-sample part: counters of the queryids already known to be the product-list query, without reading
 * query texts (pg_stat_statements(false) skips the text file), and how many entries this database has, so
 * the sampler knows when new statements appeared and a text scan is due. `param` holds the known queryids.
 */
export const statementsFragment = (param: string) => `(SELECT json_build_object('entries', count(*),
    'rows', json_agg(json_build_object('id', s.queryid::text, ${counterCols
      .split(', ')
      .map((c) => `'${c}', s.${c}`)
      .join(', ')}))
      FILTER (WHERE s.queryid = ANY(${param}::bigint[])),
    'all', (${allStatementsSql}))
  FROM pg_stat_statements(false) s WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database()))`;

/** The text scan: every entry of this database with its text, and the variant of those whose text matches. */
export async function scanStatementTexts(
  client: pg.Client,
  params: [string[], string[]],
): Promise<{ variants: Map<string, string>; texts: Map<string, string> }> {
  const { rows } = await client.query<{ id: string; variant: string; query: string | null }>(
    `SELECT s.queryid::text AS id, ${matcherSql.replaceAll('QUERY', 's.query')} AS variant, s.query
     FROM pg_stat_statements(true) s
     WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND s.queryid IS NOT NULL`,
    params,
  );
  const variants = new Map<string, string>();
  const texts = new Map<string, string>();
  for (const r of rows) {
    if (r.variant) variants.set(r.id, r.variant);
    texts.set(r.id, r.query ?? '');
  }
  return { variants, texts };
}

export interface StatementsPart {
  entries: number;
  /** every entry by queryid */
  all: Record<string, QueryCounters>;
  rows: {
    id: string;
    calls: number;
    total_exec_time: number;
    shared_blks_hit: number;
    shared_blks_read: number;
    temp_blks_read: number;
    temp_blks_written: number;
    rows: number;
  }[];
}

export function parseStatementsPart(raw: unknown): StatementsPart {
  const src = (raw ?? {}) as {
    entries?: unknown;
    rows?: Record<string, unknown>[] | null;
    all?: Record<string, QueryCounters> | null;
  };
  return {
    entries: Number(src.entries ?? 0),
    all: src.all ?? {},
    rows: (src.rows ?? []).map((r) => ({
      id: String(r.id),
      calls: Number(r.calls),
      total_exec_time: Number(r.total_exec_time),
      shared_blks_hit: Number(r.shared_blks_hit),
      shared_blks_read: Number(r.shared_blks_read),
      temp_blks_read: Number(r.temp_blks_read),
      temp_blks_written: Number(r.temp_blks_written),
      rows: Number(r.rows),
    })),
  };
}

/** Sums the known entries per variant (one variant can own several queryids). */
export function zeroCounters(): StatementCounters {
  return {
    calls: 0,
    total_exec_time: 0,
    mean_exec_time: 0,
    shared_blks_hit: 0,
    shared_blks_read: 0,
    temp_blks_read: 0,
    temp_blks_written: 0,
    rows: 0,
    entries: 0,
  };
}

/** adds one statement's cumulative counters to a sum (mean and entries are the caller's to set) */
export function addCounters(sum: StatementCounters, r: Omit<StatementCounters, 'mean_exec_time' | 'entries'>): void {
  sum.calls += r.calls;
  sum.total_exec_time += r.total_exec_time;
  sum.shared_blks_hit += r.shared_blks_hit;
  sum.shared_blks_read += r.shared_blks_read;
  sum.temp_blks_read += r.temp_blks_read;
  sum.temp_blks_written += r.temp_blks_written;
  sum.rows += r.rows;
}

export function byVariant(part: StatementsPart, variantOf: Map<string, string>): Record<string, StatementCounters> {
  const out: Record<string, StatementCounters> = {};
  for (const r of part.rows) {
    const v = variantOf.get(r.id);
    if (!v) continue;
    const c = (out[v] ??= zeroCounters());
    addCounters(c, r);
    c.entries += 1;
  }
  for (const c of Object.values(out)) {
    c.total_exec_time = Math.round(c.total_exec_time * 1000) / 1000;
    c.mean_exec_time = c.calls > 0 ? Math.round((c.total_exec_time / c.calls) * 1000) / 1000 : 0;
  }
  return out;
}
