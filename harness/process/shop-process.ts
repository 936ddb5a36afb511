import type { Variant } from '../../shop/queries/product-list.ts';
import { startService, type Service } from './service.ts';

/**
 * Starts the shop of one variant as its own process, as production runs it apart from the load. It serves the
 * database its parent already opened (SHOP_DATABASE_URL), so it never re-resolves a preset or seeds.
 */
export function startShopProcess(variant: Variant, databaseUrl: string): Promise<Service> {
  return startService(`shop (${variant})`, 'scripts/shop.ts', ['--variant', variant, '--port', '0'], /listening on (http:\/\/127\.0\.0\.1:\d+)/, {
    env: { CI: 'true', SHOP_DATABASE_URL: databaseUrl },
  });
}
