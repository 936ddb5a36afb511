import type { Variant } from '../../shop/queries/product-list.ts';
import { readUrlsEnv, type ReadServer } from '../../shop/read-routing.ts';
import { startService, type Service } from './service.ts';

export interface ShopProcess extends Service {
  /** the switches' URL, when started with an admin token */
  admin?: string;
}

/**
 * Starts the shop of one variant as its own process, as production runs it apart from the load. It serves the
 * database its parent already opened (SHOP_DATABASE_URL), so it never re-resolves a preset or seeds. With
 * `adminToken` it also opens the operators' switches on a port of their own, behind that token.
 */
export async function startShopProcess(
  variant: Variant,
  databaseUrl: string,
  opts: { adminToken?: string; readServers?: ReadServer[]; poolSize?: number } = {},
): Promise<ShopProcess> {
  let admin: string | undefined;
  const service = await startService(
    `shop (${variant})`,
    'scripts/shop.ts',
    ['--variant', variant, '--port', '0', ...(opts.poolSize ? ['--pool', String(opts.poolSize)] : [])],
    /\) listening on (http:\/\/127\.0\.0\.1:\d+)/,
    {
      env: {
        CI: 'true',
        SHOP_DATABASE_URL: databaseUrl,
        SHOP_ADMIN_TOKEN: opts.adminToken ?? '',
        SHOP_READ_URLS: readUrlsEnv(opts.readServers ?? []),
      },
      onLine: (line) => {
        admin ??= /^shop admin listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(line)?.[1];
      },
    },
  );
  return { ...service, admin };
}
