import type { ActivityStats } from '../types.ts';

/**
 * pg_stat_activity for the connected database, the sampler's own backend left out. It also reports which
 * pg_stat_statements query_id the running product-list queries have: PostgreSQL 18 drops a statement's
 * leading comment from pg_stat_statements' text, but pg_stat_activity keeps the text as sent, so a variant
 * tagged only in a leading comment can still be told apart (see statements.ts). $1 is the matcher (statements.ts).
 */
export function activityFragment(withQueryIds: boolean, matcherSql: string): string {
  const queryIds = withQueryIds
    ? `, 'query_ids', (SELECT json_agg(DISTINCT jsonb_build_object('id', m.query_id::text, 'variant', m.variant))
          FROM (SELECT a2.query_id, ${matcherSql.replaceAll('QUERY', 'a2.query')} AS variant FROM pg_stat_activity a2
                WHERE a2.datname = current_database() AND a2.pid <> pg_backend_pid() AND a2.query_id IS NOT NULL AND a2.query_id <> 0
                  AND a2.backend_type = 'client backend') m WHERE m.variant IS NOT NULL)`
    : '';
  return `(SELECT json_build_object(
    'connections', count(*) FILTER (WHERE backend_type = 'client backend'),
    'active', count(*) FILTER (WHERE backend_type = 'client backend' AND state = 'active'),
    'idle', count(*) FILTER (WHERE backend_type = 'client backend' AND state = 'idle'),
    'idle_in_transaction', count(*) FILTER (WHERE backend_type = 'client backend' AND state LIKE 'idle in transaction%'),
    'parallel_workers', count(*) FILTER (WHERE backend_type = 'parallel worker'),
    'longest_active_ms', coalesce(max(extract(epoch FROM clock_timestamp() - query_start) * 1000) FILTER (WHERE state = 'active'), 0),
    'waiting', (SELECT json_object_agg(w.wait_event_type, w.n) FROM (
        SELECT wait_event_type, count(*) AS n FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active' AND wait_event_type IS NOT NULL
        GROUP BY wait_event_type) w)${queryIds})
  FROM pg_stat_activity a WHERE a.datname = current_database() AND a.pid <> pg_backend_pid())`;
}

export interface ActivityResult {
  activity: ActivityStats | null;
  /** query_id -> variant seen running */
  queryIds: Map<string, string>;
}

export function parseActivity(raw: unknown): ActivityResult {
  const queryIds = new Map<string, string>();
  if (!raw || typeof raw !== 'object') return { activity: null, queryIds };
  const src = raw as Record<string, unknown>;
  const waiting: Record<string, number> = {};
  for (const [k, v] of Object.entries((src.waiting as Record<string, unknown> | null) ?? {})) waiting[k] = Number(v);
  for (const q of (src.query_ids as { id: string; variant: string }[] | null | undefined) ?? [])
    queryIds.set(q.id, q.variant);
  return {
    activity: {
      connections: Number(src.connections ?? 0),
      active: Number(src.active ?? 0),
      idle: Number(src.idle ?? 0),
      idle_in_transaction: Number(src.idle_in_transaction ?? 0),
      waiting,
      parallel_workers: Number(src.parallel_workers ?? 0),
      longest_active_ms: Math.round(Number(src.longest_active_ms ?? 0)),
    },
    queryIds,
  };
}
