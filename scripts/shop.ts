#!/usr/bin/env tsx
// The reference shop alone: npm run shop -- --variant before|after [--port N] [--pool N] [--preset P] [--seed N] [--admin-port N]
import { runCommand, parseIntFlag } from '../harness/cli/main.ts';
import { defineCommand } from '../harness/cli/flags.ts';
import { presetFlag, seedFlag } from '../harness/cli/common-flags.ts';
import { UserError } from '../common/user-error.ts';
import { onCleanup } from '../harness/process/cleanup.ts';
import { openDataset } from '../harness/db/dataset.ts';
import { progressLog } from '../harness/cli/progress.ts';
import { DEFAULT_POOL_SIZE, startShop } from '../shop/server.ts';
import { MIN_TOKEN_LENGTH } from '../shop/admin.ts';
import { variants } from '../shop/queries/product-list.ts';
import { parseVariant } from '../harness/cli/variants.ts';
import { parseReadUrls } from '../shop/read-routing.ts';

export const command = defineCommand({
  npm: 'shop',
  usage: '--variant V [flags]',
  about: `Runs the pretix-shaped shop on 127.0.0.1 against the dataset of --preset (seeded first if needed, on
    DATABASE_URL when set, else on the embedded PostgreSQL). Prints one line "shop (VARIANT) listening on
    http://127.0.0.1:PORT" and serves until SIGINT/SIGTERM. With SHOP_DATABASE_URL set it serves that database as
    it is (no preset, no seeding): the harness starts its shops this way; SHOP_READ_URLS
    ("replica-1=postgres://...,replica-2=...") then names replicas its GET pages read from, the first by default.`,
  flags: {
    variant: {
      type: 'string',
      arg: 'V',
      defaultText: '$SHOP_QUERY_VARIANT; one of the two is required',
      help: 'product-list query: before (the incident) or after (pretix PR #6318)',
    },
    port: {
      type: 'string',
      arg: 'N',
      default: '0',
      help: 'TCP port on 127.0.0.1; 0 picks a free one, printed on start',
    },
    pool: {
      type: 'string',
      arg: 'N',
      default: String(DEFAULT_POOL_SIZE),
      help: 'database connections (1 to 500); requests beyond wait up to 10 s, then get a 503',
    },
    preset: presetFlag('incident'),
    seed: seedFlag,
    'admin-port': {
      type: 'string',
      arg: 'N',
      defaultText: '0, a free one',
      help: 'with SHOP_ADMIN_TOKEN set: the operators\' switches (GET/PATCH /switches, Authorization: Bearer TOKEN) on this port of 127.0.0.1, printed as "shop admin listening on URL"; without the token the shop has no switches',
    },
  },
  examples: ['--variant before --preset tiny --port 8080', '--variant after --preset small'],
  exitCodes: { 0: 'not used: the shop serves until a signal stops it (130 or 143, below)' },
});

await runCommand(import.meta.url, command, async ({ values }) => {
  const chosen = values.variant ?? process.env.SHOP_QUERY_VARIANT?.trim();
  if (!chosen)
    throw new UserError(
      `choose the query variant with --variant or SHOP_QUERY_VARIANT (accepted: ${variants.join(', ')})`,
    );
  const variant = parseVariant(chosen);
  const port = parseIntFlag('port', values.port, 0, 65535)!;
  const poolSize = parseIntFlag('pool', values.pool, 1, 500)!;
  const adminPort = parseIntFlag('admin-port', values['admin-port'], 0, 65535);
  const adminToken = process.env.SHOP_ADMIN_TOKEN?.trim();
  if (adminPort !== undefined && !adminToken)
    throw new UserError("--admin-port needs the switches' token in SHOP_ADMIN_TOKEN (at least 16 characters)");
  if (adminToken !== undefined && adminToken !== '' && adminToken.length < MIN_TOKEN_LENGTH)
    throw new UserError(`SHOP_ADMIN_TOKEN is too short (accepted: at least ${MIN_TOKEN_LENGTH} characters)`);

  let databaseUrl = process.env.SHOP_DATABASE_URL?.trim();
  if (!databaseUrl) {
    const ds = await openDataset({ preset: values.preset, seed: values.seed, log: progressLog() });
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
      readServers: parseReadUrls(process.env.SHOP_READ_URLS),
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
