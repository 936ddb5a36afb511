import type { DatabaseCounters } from '../types.ts';

/**
 * pg_stat_database for the connected database. Written as a scalar subquery returning json so the sampler can
 * fetch every source in one round trip (one statement is also one consistent stats snapshot).
 */
export const databaseFragment = `(SELECT json_build_object(
    'numbackends', numbackends, 'blks_read', blks_read, 'blks_hit', blks_hit,
    'temp_files', temp_files, 'temp_bytes', temp_bytes, 'tup_returned', tup_returned, 'tup_fetched', tup_fetched,
    'xact_commit', xact_commit, 'xact_rollback', xact_rollback,
    'blk_read_time', blk_read_time, 'blk_write_time', blk_write_time)
  FROM pg_stat_database WHERE datname = current_database())`;

const fields: (keyof DatabaseCounters)[] = [
  'numbackends',
  'blks_read',
  'blks_hit',
  'temp_files',
  'temp_bytes',
  'tup_returned',
  'tup_fetched',
  'xact_commit',
  'xact_rollback',
  'blk_read_time',
  'blk_write_time',
];

export function parseDatabase(raw: unknown): DatabaseCounters | null {
  if (!raw || typeof raw !== 'object') return null;
  const src = raw as Record<string, unknown>;
  const out = {} as DatabaseCounters;
  for (const f of fields) out[f] = Number(src[f] ?? 0);
  return out;
}
