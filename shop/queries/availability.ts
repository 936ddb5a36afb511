import type { Queryable } from '../db.ts';

/** What is left in one quota: null means unlimited (a quota without size). */
export interface QuotaAvailability {
  quotaId: number;
  size: number | null;
  closed: boolean;
  ordered: number;
  inCarts: number;
  available: number | null;
}

// Positions a quota covers, as pretix counts them: products without variations through quota_items,
// variations through quota_variations, always on the quota's own date.
const covered = (
  alias: string,
) => `((${alias}.variation_id IS NULL AND ${alias}.item_id IN (SELECT x.item_id FROM pretixbase_quota_items x WHERE x.quota_id = q.id))
         OR ${alias}.variation_id IN (SELECT y.itemvariation_id FROM pretixbase_quota_variations y WHERE y.quota_id = q.id))`;

/**
 * Availability of many quotas in ONE query (pretix's batched QuotaAvailability): size minus paid and pending
 * order positions minus unexpired cart positions. `excludeCartId` leaves one cart's own reservations out, for
 * the re-check at checkout. Vouchers that block quota and the waiting list are not counted (the load test
 * never creates them).
 */
export async function quotaAvailability(
  db: Queryable,
  quotaIds: readonly number[],
  excludeCartId: string | null = null,
): Promise<Map<number, QuotaAvailability>> {
  const result = new Map<number, QuotaAvailability>();
  if (quotaIds.length === 0) return result;
  const { rows } = await db.query<{
    id: number;
    size: number | null;
    closed: boolean;
    ordered: number;
    in_carts: number;
  }>(
    `/* loadlab:quota-availability */
     SELECT q.id, q.size, q.closed,
       (SELECT count(*) FROM pretixbase_orderposition op JOIN pretixbase_order o ON o.id = op.order_id
         WHERE op.subevent_id = q.subevent_id AND NOT op.canceled AND o.status IN ('p', 'n') AND ${covered('op')})::int AS ordered,
       (SELECT count(*) FROM pretixbase_cartposition cp
         WHERE cp.subevent_id = q.subevent_id AND cp.expires >= now() AND cp.cart_id IS DISTINCT FROM $2 AND ${covered('cp')})::int AS in_carts
     FROM pretixbase_quota q WHERE q.id = ANY($1::int[])`,
    [quotaIds, excludeCartId],
  );
  for (const r of rows) {
    const available = r.closed ? 0 : r.size === null ? null : Math.max(0, r.size - r.ordered - r.in_carts);
    result.set(r.id, {
      quotaId: r.id,
      size: r.size,
      closed: r.closed,
      ordered: r.ordered,
      inCarts: r.in_carts,
      available,
    });
  }
  return result;
}

/** The minimum over a product's quotas (null = unlimited); a product without quotas is not available at all. */
export function minAvailability(quotaIds: readonly number[], byQuota: Map<number, QuotaAvailability>): number | null {
  let min: number | null = null;
  for (const id of quotaIds) {
    const a = byQuota.get(id);
    if (!a) return 0;
    if (a.available !== null) min = min === null ? a.available : Math.min(min, a.available);
  }
  return quotaIds.length === 0 ? 0 : min;
}
