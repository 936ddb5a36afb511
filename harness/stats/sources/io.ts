import type pg from 'pg';
import type { IoCounters, IoStats } from '../types.ts';

/** What this server's pg_stat_io offers: absent before PostgreSQL 16; byte columns in 18, op_bytes in 16/17. */
export type IoFlavour = 'none' | 'bytes' | 'op_bytes' | 'no_bytes';

export async function detectIo(client: pg.Client): Promise<IoFlavour> {
  const { rows } = await client.query<{ attname: string }>(
    "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass('pg_catalog.pg_stat_io') AND attnum > 0",
  );
  if (rows.length === 0) return 'none';
  const cols = new Set(rows.map((r) => r.attname));
  if (cols.has('read_bytes')) return 'bytes';
  if (cols.has('op_bytes')) return 'op_bytes';
  return 'no_bytes';
}

/**
 * pg_stat_io summed per (backend_type, object) on the server (rows split by context: normal, bulkread, vacuum,
 * ...); the per-object and per-backend sums are made in JS from these few rows. NULLs mean "not applicable to
 * this row" (e.g. no extends of WAL), so they count as 0.
 */
export function ioFragment(flavour: IoFlavour): string | null {
  if (flavour === 'none') return null;
  const bytes = (op: string) =>
    flavour === 'bytes'
      ? `sum(coalesce(${op}_bytes, 0))`
      : flavour === 'op_bytes'
        ? `sum(coalesce(${op}s, 0) * coalesce(op_bytes, 0))`
        : 'NULL';
  return `(SELECT json_agg(json_build_object('b', g.backend_type, 'o', g.object, 'reads', g.reads, 'read_bytes', g.read_bytes,
      'writes', g.writes, 'write_bytes', g.write_bytes, 'extends', g.extends, 'extend_bytes', g.extend_bytes,
      'hits', g.hits, 'evictions', g.evictions, 'read_time', g.read_time, 'write_time', g.write_time))
    FROM (SELECT backend_type, object, sum(coalesce(reads, 0)) AS reads, ${bytes('read')} AS read_bytes,
            sum(coalesce(writes, 0)) AS writes, ${bytes('write')} AS write_bytes,
            sum(coalesce(extends, 0)) AS extends, ${bytes('extend')} AS extend_bytes,
            sum(coalesce(hits, 0)) AS hits, sum(coalesce(evictions, 0)) AS evictions,
            sum(coalesce(read_time, 0)) AS read_time, sum(coalesce(write_time, 0)) AS write_time
          FROM pg_stat_io GROUP BY backend_type, object) g
    WHERE g.reads + g.writes + g.extends + g.hits + g.evictions > 0)`;
}

function zero(withBytes: boolean): IoCounters {
  const b = withBytes ? 0 : null;
  return {
    reads: 0,
    read_bytes: b,
    writes: 0,
    write_bytes: b,
    extends: 0,
    extend_bytes: b,
    hits: 0,
    evictions: 0,
    read_time: 0,
    write_time: 0,
  };
}

function add(into: IoCounters, row: Record<string, unknown>): void {
  const num = (k: string) => Number(row[k] ?? 0);
  const addBytes = (cur: number | null, k: string) =>
    cur === null || row[k] === null || row[k] === undefined ? cur : cur + Number(row[k]);
  into.reads += num('reads');
  into.writes += num('writes');
  into.extends += num('extends');
  into.hits += num('hits');
  into.evictions += num('evictions');
  into.read_time += num('read_time');
  into.write_time += num('write_time');
  into.read_bytes = addBytes(into.read_bytes, 'read_bytes');
  into.write_bytes = addBytes(into.write_bytes, 'write_bytes');
  into.extend_bytes = addBytes(into.extend_bytes, 'extend_bytes');
}

/** The data objects (not WAL) make the totals: what "reads and writes of tables and indexes" means. */
const dataObjects = new Set(['relation', 'temp relation']);

export function parseIo(raw: unknown, flavour: IoFlavour): IoStats | null {
  if (flavour === 'none') return null;
  const withBytes = flavour !== 'no_bytes';
  const stats: IoStats = { total: zero(withBytes), by_object: {}, by_backend: {} };
  for (const row of (raw as Record<string, unknown>[] | null) ?? []) {
    const object = String(row.o);
    const backend = String(row.b);
    add((stats.by_object[object] ??= zero(withBytes)), row);
    if (!dataObjects.has(object)) continue;
    add(stats.total, row);
    add((stats.by_backend[backend] ??= zero(withBytes)), row);
  }
  // times are floats in ms; keep the file readable
  const round = (c: IoCounters) => {
    c.read_time = Math.round(c.read_time * 1000) / 1000;
    c.write_time = Math.round(c.write_time * 1000) / 1000;
  };
  round(stats.total);
  Object.values(stats.by_object).forEach(round);
  Object.values(stats.by_backend).forEach(round);
  return stats;
}
