#!/usr/bin/env tsx
// The reference shop alone: npm run shop -- --variant before|after [--port N] [--pool N] [--preset P] [--seed N] [--admin-port N]
import { runMain, parseCli, parseIntFlag } from '../harness/cli/main.ts';
import { UserError } from '../common/user-error.ts';
import { onCleanup } from '../harness/process/cleanup.ts';
import { openDataset } from '../harness/db/dataset.ts';
import { progressLog } from '../harness/cli/progress.ts';
import { DEFAULT_POOL_SIZE, startShop } from '../shop/server.ts';
import { MIN_TOKEN_LENGTH } from '../shop/admin.ts';
import { variants } from '../shop/queries/product-list.ts';
import { parseVariant } from '../harness/cli/variants.ts';

const help = `usage: npm run shop -- --variant before|after [--port N] [--pool N] [--preset P] [--seed N] [--admin-port N]

Runs the pretix-shaped shop on 127.0.0.1 against the dataset of preset P (default incident; seeded first if
needed, on DATABASE_URL when set, else on the embedded PostgreSQL). Prints one line
"shop (VARIANT) listening on http://127.0.0.1:PORT" and serves until SIGINT/SIGTERM.
With SHOP_DATABASE_URL set it serves that database as it is (no preset, no seeding): the harness starts its
shops this way, with the database it has already opened.

  --variant V   product-list query: before (the incident) or after (pretix PR #6318); default $SHOP_QUERY_VARIANT
  --port N      TCP port on 127.0.0.1; 0 (default) picks a free one, printed on start
  --pool N      database connections (default ${DEFAULT_POOL_SIZE}); requests beyond wait up to 10 s, then 503
  --preset P    tiny, small, incident (default) or xl
  --seed N      dataset seed (default 42)
  --admin-port N  with SHOP_ADMIN_TOKEN set: the operators' switches (GET/PATCH /switches, Authorization:
                Bearer TOKEN) on this port of 127.0.0.1 (default 0, a free one), printed as "shop admin
                listening on URL" before the shop's own line; without the token the shop has no switches
`;

await runMain(async () => {
  const { values } = parseCli({
    variant: { type: 'string' },
    port: { type: 'string', default: '0' },
    pool: { type: 'string' },
    preset: { type: 'string', default: 'incident' },
    seed: { type: 'string' },
    'admin-port': { type: 'string' },
    help: { type: 'boolean', default: false },
  });
  if (values.help) {
    process.stdout.write(help);
    return 0;
  }
  const chosen = values.variant ?? process.env.SHOP_QUERY_VARIANT?.trim();
  if (!chosen)
    throw new UserError(
      `choose the query variant with --variant or SHOP_QUERY_VARIANT (accepted: ${variants.join(', ')})`,
    );
  const variant = parseVariant(chosen);
  const port = parseIntFlag('port', values.port, 0, 65535)!;
  const poolSize = parseIntFlag('pool', values.pool, 1, 500) ?? DEFAULT_POOL_SIZE;
  const adminPort = parseIntFlag('admin-port', values['admin-port'], 0, 65535);
  const adminToken = process.env.SHOP_ADMIN_TOKEN?.trim();
  if (adminPort !== undefined && !adminToken)
    throw new UserError("--admin-port needs the switches' token in SHOP_ADMIN_TOKEN (at least 16 characters)");
  if (adminToken !== undefined && adminToken !== '' && adminToken.length < MIN_TOKEN_LENGTH)
    throw new UserError(`SHOP_ADMIN_TOKEN is too short (accepted: at least ${MIN_TOKEN_LENGTH} characters)`);

  let databaseUrl = process.env.SHOP_DATABASE_URL?.trim();
  if (!databaseUrl) {
    const ds = await openDataset({ preset: values.preset!, seed: values.seed, log: progressLog() });
    onCleanup('database', () => ds.db.close());
    databaseUrl = ds.db.url;
  }
  let shop: Awaited<ReturnType<typeof startShop>>;
  try {
    shop = await startShop({
      databaseUrl,
      variant,
      poolSize,
      port,
      admin: adminToken ? { token: adminToken, port: adminPort ?? 0 } : undefined,
    });
  } catch (err) {
    const e = err as { code?: string; port?: number };
    if (e.code === 'EADDRINUSE')
      throw new UserError(
        `port ${e.port ?? port} on 127.0.0.1 is already in use (choose another with --port or --admin-port, or 0 for a free one)`,
      );
    throw err;
  }
  onCleanup('shop', () => shop.close());
  if (shop.admin) process.stdout.write(`shop admin listening on ${shop.admin.url}\n`);
  process.stdout.write(`shop (${variant}) listening on ${shop.url}\n`);
  // serve until a signal: the cleanup handler closes the shop, then the database, then exits
  await new Promise<never>(() => {});
});
