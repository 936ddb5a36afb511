import pg from 'pg';

/**
 * Cancels the statements still running in this database (all but our own session; with `marker`, only those
 * whose text holds it) and waits up to `waitMs` for them to end. A client that went away does not stop its
 * query: PostgreSQL notices only when it answers, so an abandoned spilling query keeps its temp files until
 * cancelled. Returns how many were still running at the first look.
 */
export async function cancelRunningQueries(
  url: string,
  opts: { marker?: string; waitMs?: number } = {},
): Promise<number> {
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: 3000,
    application_name: 'loadlab-cancel',
  });
  client.on('error', () => {});
  await client.connect();
  try {
    const sql = `SELECT count(pg_cancel_backend(pid))::int AS n FROM pg_stat_activity
                 WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active'
                   AND backend_type = 'client backend' AND ($1::text IS NULL OR strpos(query, $1) > 0)`;
    const ask = async () => (await client.query<{ n: number }>(sql, [opts.marker ?? null])).rows[0].n;
    const first = await ask();
    const deadline = Date.now() + (opts.waitMs ?? 0);
    for (let n = first; n > 0 && Date.now() < deadline; n = await ask()) await new Promise((r) => setTimeout(r, 100));
    return first;
  } finally {
    await client.end().catch(() => {});
  }
}
