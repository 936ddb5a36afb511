import pg from 'pg';
import { UserError } from '../../common/user-error.ts';
import { explainProductList } from '../../shop/explain.ts';
import type { SwitchesPatch, SwitchesView } from '../../shop/switches.ts';
import type { AcknowledgedWrite } from '../../shop/write-journal.ts';

/** The operators' hands on the shop: its switches, through the admin port with the run's token. */
export async function flip(adminUrl: string, token: string, patch: SwitchesPatch): Promise<SwitchesView> {
  const res = await fetch(`${adminUrl}/switches`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(patch),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await res.json()) as SwitchesView & { error?: string };
  if (!res.ok)
    throw new UserError(`the shop refused the switch ${JSON.stringify(patch)}: ${res.status} ${body.error ?? ''}`);
  return body;
}

/** The writes the shop acknowledged, from its admin port (for the no-loss check after the day). */
export async function acknowledgedWrites(
  adminUrl: string,
  token: string,
): Promise<{ writes: AcknowledgedWrite[]; dropped: number }> {
  const res = await fetch(`${adminUrl}/writes`, {
    headers: { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(30_000),
  });
  if (!res.ok) throw new UserError(`the shop did not list its writes: ${res.status}`);
  return (await res.json()) as { writes: AcknowledgedWrite[]; dropped: number };
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: 'loadlab-timeline' });
  client.on('error', () => {});
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Waits until no product-list query runs any more (the shop may still work off requests its visitors gave up
 * on), polling pg_stat_activity every 200 ms for at most `maxMs`. Returns the ms it took, or null if it never did
 * (or `signal` ended the wait).
 */
export async function waitForQuiet(url: string, maxMs: number, signal?: AbortSignal): Promise<number | null> {
  return withClient(url, async (c) => {
    const t0 = performance.now();
    const sql = `SELECT count(*)::int AS n FROM pg_stat_activity
                  WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active' AND query LIKE '%loadlab:product-list%'`;
    while (performance.now() - t0 < maxMs && !signal?.aborted) {
      if ((await c.query<{ n: number }>(sql)).rows[0].n === 0) return Math.round(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 200));
    }
    return null;
  });
}

export interface Probe {
  /** median execution time of the old query over the probed dates */
  ms: number;
  /** temporary file bytes the probe's queries wrote */
  temp_bytes: number;
  /** buffers the plans touched, summed over the dates: the work, which unlike time no other load changes */
  buffers_touched: number;
}

/**
 * The old product-list query alone, as the operators ran it by hand: EXPLAIN ANALYZE on a few dates of the
 * hot series, one after the other, median execution time.
 */
export async function probeOldQuery(url: string, subeventIds: number[]): Promise<Probe> {
  const blockSize = await withClient(url, async (c) =>
    Number((await c.query<{ b: string }>(`SELECT current_setting('block_size') AS b`)).rows[0].b),
  );
  const runs = [];
  for (const id of subeventIds) runs.push(await explainProductList(url, 'before', id, { warmup: false }));
  const times = runs.map((r) => r.execution_ms).sort((a, b) => a - b);
  return {
    ms: Math.round(times[Math.floor(times.length / 2)] * 10) / 10,
    temp_bytes: runs.reduce((s, r) => s + r.temp_blocks_written, 0) * blockSize,
    buffers_touched: runs.reduce((s, r) => s + r.buffers_touched, 0),
  };
}
