import pg from 'pg';

/**
 * A connection its owner may lose: an 'error' or 'end' (a dropped connection, a restarted server) calls `gone`,
 * so the owner forgets it and reconnects on its next use, instead of the process crashing on the error event;
 * a connect that fails ends the client before the error is thrown.
 */
export async function connectForgetful(config: pg.ClientConfig, gone: (c: pg.Client) => void): Promise<pg.Client> {
  const c = new pg.Client(config);
  c.on('error', () => gone(c));
  c.on('end', () => gone(c));
  try {
    await c.connect();
  } catch (err) {
    await c.end().catch(() => {});
    throw err;
  }
  return c;
}
