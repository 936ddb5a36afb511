import type pg from 'pg';
import { inTransaction } from '../db.ts';
import { badRequest, conflict, notFound } from '../errors.ts';
import { loadEvent, loadSubevent, type EventInfo } from './catalog.ts';
import { minAvailability, quotaAvailability } from './availability.ts';
import { MAX_ITEMS_PER_ORDER } from './product-page.ts';

/** pretix's reservation_time default */
export const RESERVATION_MINUTES = 30;
/** how long a cart add waits for another one holding the same quota before it gives up (503, retry) */
const LOCK_TIMEOUT = '5s';

export interface CartAddInput {
  cartId: string;
  item: number;
  variation: number | null;
  count: number;
}

export interface CartPositionOut {
  id: number;
  item: number;
  variation: number | null;
  /** ISO 8601 */
  expires: string;
}

export interface CartAddResult {
  cart_id: string;
  positions: CartPositionOut[];
}

interface ItemCheckRow {
  id: number;
  active: boolean;
  require_bundling: boolean;
  hide_without_voucher: boolean;
  require_voucher: boolean;
  max_per_order: number | null;
  min_per_order: number | null;
  default_price: string;
  all_sales_channels: boolean;
  is_addon: boolean | null;
  from_ok: boolean;
  until_ok: boolean;
  channel_ok: boolean;
  disabled: boolean;
  price_override: string | null;
  has_variations: boolean;
}

interface VariationCheckRow {
  id: number;
  item_id: number;
  active: boolean;
  hide_without_voucher: boolean;
  window_ok: boolean;
  disabled: boolean;
  default_price: string | null;
  price_override: string | null;
}

/**
 * Validates one cart line against what the date's shop offers and returns its price: the same rules that
 * decide what the product list shows, so nothing can be added that the page would not offer.
 */
async function checkLine(
  db: pg.PoolClient,
  event: EventInfo,
  subeventId: number,
  input: CartAddInput,
): Promise<{ price: string }> {
  const { rows } = await db.query<ItemCheckRow>(
    `SELECT i.id, i.active, i.require_bundling, i.hide_without_voucher, i.require_voucher, i.max_per_order, i.min_per_order,
            i.default_price, i.all_sales_channels, c.is_addon,
            (i.available_from IS NULL OR i.available_from <= now()) AS from_ok,
            (i.available_until IS NULL OR i.available_until >= now()) AS until_ok,
            EXISTS (SELECT 1 FROM pretixbase_item_limit_sales_channels sc WHERE sc.item_id = i.id AND sc.saleschannel_id = $3) AS channel_ok,
            EXISTS (SELECT 1 FROM pretixbase_subeventitem s WHERE s.item_id = i.id AND s.subevent_id = $4 AND s.disabled) AS disabled,
            (SELECT s.price FROM pretixbase_subeventitem s WHERE s.item_id = i.id AND s.subevent_id = $4 ORDER BY s.id LIMIT 1) AS price_override,
            EXISTS (SELECT 1 FROM pretixbase_itemvariation v WHERE v.item_id = i.id) AS has_variations
       FROM pretixbase_item i LEFT JOIN pretixbase_itemcategory c ON c.id = i.category_id
      WHERE i.id = $1 AND i.event_id = $2`,
    [input.item, event.eventId, event.channelId, subeventId],
  );
  const it = rows[0];
  if (!it) throw notFound(`item ${input.item} does not exist in this event`);
  if (!it.active || it.require_bundling || it.hide_without_voucher)
    throw badRequest(`item ${input.item} is not on sale`);
  if (it.require_voucher) throw badRequest(`item ${input.item} can only be bought with a voucher`);
  if (it.is_addon) throw badRequest(`item ${input.item} can only be bought as an add-on to another product`);
  if (!it.all_sales_channels && !it.channel_ok) throw badRequest(`item ${input.item} is not sold online`);
  if (!it.from_ok || !it.until_ok) throw badRequest(`item ${input.item} is not on sale at this time`);
  if (it.disabled) throw badRequest(`item ${input.item} is not sold on this date`);
  const max = it.max_per_order === null ? MAX_ITEMS_PER_ORDER : Math.min(it.max_per_order, MAX_ITEMS_PER_ORDER);
  if (input.count > max)
    throw badRequest(
      `count ${input.count} is more than one order may hold of item ${input.item} (accepted: 1 to ${max})`,
    );
  if (it.min_per_order !== null && input.count < it.min_per_order)
    throw badRequest(`item ${input.item} is sold in at least ${it.min_per_order} per order`);
  const itemPrice = it.price_override ?? it.default_price;

  if (!it.has_variations) {
    if (input.variation !== null) throw badRequest(`item ${input.item} has no variations; send "variation": null`);
    return { price: itemPrice };
  }
  if (input.variation === null) throw badRequest(`item ${input.item} has variations; choose one with "variation"`);
  const v = (
    await db.query<VariationCheckRow>(
      `SELECT v.id, v.item_id, v.active, v.hide_without_voucher, v.default_price,
            ((v.available_from IS NULL OR v.available_from <= now()) AND (v.available_until IS NULL OR v.available_until >= now())) AS window_ok,
            EXISTS (SELECT 1 FROM pretixbase_subeventitemvariation sv WHERE sv.variation_id = v.id AND sv.subevent_id = $2 AND sv.disabled) AS disabled,
            (SELECT sv.price FROM pretixbase_subeventitemvariation sv WHERE sv.variation_id = v.id AND sv.subevent_id = $2 ORDER BY sv.id LIMIT 1) AS price_override
       FROM pretixbase_itemvariation v WHERE v.id = $1`,
      [input.variation, subeventId],
    )
  ).rows[0];
  if (!v) throw notFound(`variation ${input.variation} does not exist`);
  if (v.item_id !== input.item)
    throw badRequest(`variation ${input.variation} belongs to another item, not to item ${input.item}`);
  if (!v.active || v.hide_without_voucher || !v.window_ok || v.disabled)
    throw badRequest(`variation ${input.variation} is not on sale on this date`);
  return { price: v.price_override ?? v.default_price ?? itemPrice };
}

/**
 * Locks, in id order (so two carts never wait on each other in a cycle), the date's quotas that cover the
 * item or variation. Until COMMIT no other cart add or checkout can count or take from them.
 * The date's few quotas are found first and each is checked for the item: the growth audit showed that
 * collecting the item's quota links first (`q.id IN (SELECT quota_id ... WHERE item_id = $2)`) reads one
 * link per date of the series, 20 times the work at 3,000 dates as at 300.
 */
export async function lockQuotas(
  db: pg.PoolClient,
  subeventId: number,
  item: number,
  variation: number | null,
): Promise<number[]> {
  const { rows } = await db.query<{ id: number }>(
    `SELECT q.id FROM pretixbase_quota q
      WHERE q.subevent_id = $1
        AND (($3::int IS NULL AND EXISTS (SELECT 1 FROM pretixbase_quota_items qi WHERE qi.quota_id = q.id AND qi.item_id = $2))
             OR EXISTS (SELECT 1 FROM pretixbase_quota_variations qv WHERE qv.quota_id = q.id AND qv.itemvariation_id = $3))
      ORDER BY q.id FOR UPDATE OF q`,
    [subeventId, item, variation],
  );
  return rows.map((r) => r.id);
}

export interface DateRef {
  organizer: string;
  event: string;
  subeventId: number;
}

/** Adds `count` positions of one product (or variation) to a cart, all or nothing, on one connection. */
export async function addToCart(pool: pg.Pool, where: DateRef, input: CartAddInput): Promise<CartAddResult> {
  return inTransaction(pool, async (db) => {
    await db.query(`SET LOCAL lock_timeout = '${LOCK_TIMEOUT}'`);
    const event = await loadEvent(db, where.organizer, where.event);
    const subeventId = (await loadSubevent(db, event, where.subeventId)).id;
    const { price } = await checkLine(db, event, subeventId, input);
    const { rows: inCart } = await db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM pretixbase_cartposition WHERE cart_id = $1 AND event_id = $2 AND expires >= now()',
      [input.cartId, event.eventId],
    );
    if (inCart[0].n + input.count > MAX_ITEMS_PER_ORDER) {
      throw badRequest(`a cart holds at most ${MAX_ITEMS_PER_ORDER} positions; this one has ${inCart[0].n}`);
    }
    const quotaIds = await lockQuotas(db, subeventId, input.item, input.variation);
    if (quotaIds.length === 0)
      throw badRequest(
        `item ${input.item}${input.variation ? ` variation ${input.variation}` : ''} is not sold on this date`,
      );
    // counted after the locks: every cart add that committed before us is visible to this statement
    const available = minAvailability(quotaIds, await quotaAvailability(db, quotaIds));
    if (available !== null && available < input.count) {
      throw conflict(available === 0 ? 'sold out' : `only ${available} left, ${input.count} requested`);
    }
    const { rows } = await db.query<{ id: number; expires: Date }>(
      `INSERT INTO pretixbase_cartposition (event_id, cart_id, item_id, variation_id, subevent_id, price, listed_price, datetime, expires, is_bundled)
       SELECT $1, $2, $3, $4, $5, $6, $6, now(), now() + make_interval(mins => $7), false FROM generate_series(1, $8)
       RETURNING id, expires`,
      [event.eventId, input.cartId, input.item, input.variation, subeventId, price, RESERVATION_MINUTES, input.count],
    );
    return {
      cart_id: input.cartId,
      positions: rows.map((r) => ({
        id: r.id,
        item: input.item,
        variation: input.variation,
        expires: r.expires.toISOString(),
      })),
    };
  });
}
