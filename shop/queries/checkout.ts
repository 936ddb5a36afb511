import { randomInt } from 'node:crypto';
import type pg from 'pg';
import { inTransaction } from '../db.ts';
import { conflict, notFound } from '../errors.ts';
import { loadEvent } from './catalog.ts';
import { quotaAvailability } from './availability.ts';

// pretix's order-code alphabet: no 0/O, 1/I, 2/Z lookalikes
const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ3789';
const SECRET_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789';
const CODE_ATTEMPTS = 20;
const PAYMENT_TERM_DAYS = 14;

function randomString(alphabet: string, length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += alphabet[randomInt(alphabet.length)];
  return s;
}

export interface CheckoutResult {
  order_code: string;
  /** money as a decimal string, e.g. "46.00" */
  total: string;
}

interface CartRow {
  id: number;
  item_id: number;
  variation_id: number | null;
  subevent_id: number | null;
  price: string;
  tax_rate: string | null;
  price_includes_tax: boolean | null;
}

const cents = (money: string) => Math.round(Number(money) * 100);
const money = (c: number) => (c / 100).toFixed(2);

/**
 * Turns a cart into a pending order, as pretix's perform_order: lock the quotas its positions need, re-check
 * them (the cart's own unexpired positions are its reservation and do not count against it; expired ones must
 * fit into what is free now), then write order + positions and delete the cart, all in one transaction.
 */
export async function checkout(
  pool: pg.Pool,
  where: { organizer: string; event: string },
  cartId: string,
  email: string,
): Promise<CheckoutResult> {
  return inTransaction(pool, async (db) => {
    await db.query("SET LOCAL lock_timeout = '5s'");
    const event = await loadEvent(db, where.organizer, where.event);
    const { rows: positions } = await db.query<CartRow>(
      `SELECT cp.id, cp.item_id, cp.variation_id, cp.subevent_id, cp.price, t.rate AS tax_rate, t.price_includes_tax
         FROM pretixbase_cartposition cp
         JOIN pretixbase_item i ON i.id = cp.item_id
         LEFT JOIN pretixbase_taxrule t ON t.id = i.tax_rule_id
        WHERE cp.cart_id = $1 AND cp.event_id = $2 ORDER BY cp.id FOR UPDATE OF cp`,
      [cartId, event.eventId],
    );
    if (positions.length === 0) throw notFound(`cart '${cartId}' does not exist or is empty`);

    // quota ids each position needs, on its own date
    const { rows: needs } = await db.query<{ position_id: number; quota_id: number }>(
      `SELECT cp.id AS position_id, q.id AS quota_id
         FROM pretixbase_cartposition cp JOIN pretixbase_quota q ON q.subevent_id = cp.subevent_id
        WHERE cp.id = ANY($1::int[]) AND (
              (cp.variation_id IS NULL AND EXISTS (SELECT 1 FROM pretixbase_quota_items qi WHERE qi.quota_id = q.id AND qi.item_id = cp.item_id))
           OR EXISTS (SELECT 1 FROM pretixbase_quota_variations qv WHERE qv.quota_id = q.id AND qv.itemvariation_id = cp.variation_id))`,
      [positions.map((p) => p.id)],
    );
    const need = new Map<number, number>();
    const covered = new Set<number>();
    for (const n of needs) {
      need.set(n.quota_id, (need.get(n.quota_id) ?? 0) + 1);
      covered.add(n.position_id);
    }
    if (covered.size < positions.length) throw conflict('a product in this cart is no longer sold for its date');
    const quotaIds = [...need.keys()].sort((a, b) => a - b);
    await db.query('SELECT id FROM pretixbase_quota WHERE id = ANY($1::int[]) ORDER BY id FOR UPDATE', [quotaIds]);
    const availability = await quotaAvailability(db, quotaIds, cartId);
    for (const id of quotaIds) {
      const a = availability.get(id);
      if (a && a.available !== null && a.available < need.get(id)!) {
        throw conflict(
          'some products in this cart are no longer available: the cart expired and the date sold out meanwhile',
        );
      }
    }

    const totalCents = positions.reduce((sum, p) => sum + cents(p.price), 0);
    const order = await insertOrder(db, event, email, totalCents);

    const taxValue = (p: CartRow) => {
      const rate = Number(p.tax_rate ?? 0);
      const c = cents(p.price);
      return money(
        p.price_includes_tax === false ? Math.round((c * rate) / 100) : c - Math.round(c / (1 + rate / 100)),
      );
    };
    await db.query(
      `INSERT INTO pretixbase_orderposition (organizer_id, order_id, positionid, item_id, variation_id, subevent_id, price, tax_rate, tax_value, secret, canceled)
       SELECT $1, $2, u.positionid, u.item_id, u.variation_id, u.subevent_id, u.price, u.tax_rate, u.tax_value, u.secret, false
         FROM unnest($3::int[], $4::int[], $5::int[], $6::int[], $7::numeric[], $8::numeric[], $9::numeric[], $10::text[])
              AS u(positionid, item_id, variation_id, subevent_id, price, tax_rate, tax_value, secret)`,
      [
        event.organizerId,
        order.id,
        positions.map((_, i) => i + 1),
        positions.map((p) => p.item_id),
        positions.map((p) => p.variation_id),
        positions.map((p) => p.subevent_id),
        positions.map((p) => p.price),
        positions.map((p) => p.tax_rate ?? '0'),
        positions.map(taxValue),
        positions.map(() => randomString(SECRET_ALPHABET, 32)),
      ],
    );
    await db.query('DELETE FROM pretixbase_cartposition WHERE id = ANY($1::int[])', [positions.map((p) => p.id)]);
    return { order_code: order.code, total: money(totalCents) };
  });
}

/** A pending order under a fresh code; the code is random, so a taken one is drawn again. */
async function insertOrder(
  db: pg.PoolClient,
  event: Awaited<ReturnType<typeof loadEvent>>,
  email: string,
  totalCents: number,
): Promise<{ id: number; code: string }> {
  let order: { id: number; code: string } | undefined;
  for (let attempt = 0; attempt < CODE_ATTEMPTS && !order; attempt++) {
    const code = randomString(CODE_ALPHABET, 5);
    // ON CONFLICT instead of catching the unique violation: a failed INSERT would abort the transaction
    const { rows } = await db.query<{ id: number }>(
      `INSERT INTO pretixbase_order (organizer_id, event_id, code, status, testmode, email, locale, secret, datetime, expires, total,
                                     require_approval, sales_channel_id, last_modified)
       VALUES ($1, $2, $3, 'n', false, $4, 'en', $5, now(), now() + make_interval(days => $6), $7, false, $8, now())
       ON CONFLICT (organizer_id, code) DO NOTHING RETURNING id`,
      [
        event.organizerId,
        event.eventId,
        code,
        email,
        randomString(SECRET_ALPHABET, 16),
        PAYMENT_TERM_DAYS,
        money(totalCents),
        event.channelId,
      ],
    );
    if (rows[0]) order = { id: rows[0].id, code };
  }
  if (!order) throw new Error(`no free order code after ${CODE_ATTEMPTS} attempts`);
  return order;
}
