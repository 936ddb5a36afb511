import type { QueryResultRow } from 'pg';
import type { Queryable } from '../db.ts';
import type { EventInfo } from './catalog.ts';
import { minAvailability, quotaAvailability, type QuotaAvailability } from './availability.ts';
import { i18nText, productListQuery, type I18n, type ProductListRow, type Variant } from './product-list.ts';

/** pretix's max_items_per_order default, and the cap of a product's order_max when it sets none */
export const MAX_ITEMS_PER_ORDER = 10;

export interface VariationView {
  id: number;
  name: string;
  /** money as a decimal string, e.g. "14.00" */
  price: string;
  /** what is left, null = unlimited */
  available: number | null;
  /** the most one order may take now: min(available, max per order) */
  orderMax: number;
  quotaIds: number[];
}

export interface ProductView {
  id: number;
  name: string;
  categoryId: number | null;
  categoryName: string;
  price: string;
  available: number | null;
  orderMax: number;
  requireVoucher: boolean;
  taxRate: string | null;
  quotaIds: number[];
  /** empty for a product without variations */
  variations: VariationView[];
}

export interface ProductPageData {
  products: ProductView[];
  /** SQL statements the page took: constant, whatever the number of quotas or products */
  queries: number;
}

const effectiveMax = (row: { max_per_order: number | null }) =>
  row.max_per_order === null ? MAX_ITEMS_PER_ORDER : Math.min(row.max_per_order, MAX_ITEMS_PER_ORDER);
const orderMaxOf = (available: number | null, max: number) => (available === null ? max : Math.min(available, max));

type Rows = <R extends QueryResultRow>(text: string, values: unknown[]) => Promise<R[]>;

interface VariationRow {
  id: number;
  item_id: number;
  value: I18n;
  default_price: string | null;
  quota_ids: number[];
}

/** pretix's prefetches, each one SELECT scoped to the date S */
interface DatePrefetch {
  itemQuotas: { item_id: number; quota_id: number }[];
  variations: VariationRow[];
  overrides: { kind: 'item' | 'variation'; ref_id: number; price: string | null }[];
}

/**
 * What pretix's product list does for a date S: the products query (in the selected variant), then the
 * prefetches scoped to S (quotas of the listed products, available variations with their S quotas, S's
 * price overrides), one batched availability query, and the Python pass that drops products without an S
 * quota and picks prices. The variants differ only in the first query, so they give the same page.
 */
export async function loadProductPage(
  db: Queryable,
  variant: Variant,
  event: EventInfo,
  subeventId: number,
): Promise<ProductPageData> {
  let queries = 0;
  const rows: Rows = async (text, values) => {
    queries++;
    return (await db.query(text, values)).rows;
  };
  const listQuery = productListQuery(variant, { eventId: event.eventId, subeventId, channelId: event.channelId });
  const items = await rows<ProductListRow>(listQuery.text, listQuery.values);
  if (items.length === 0) return { products: [], queries };
  const pre = await prefetchForDate(
    rows,
    subeventId,
    items.map((i) => i.id),
  );
  const allQuotas = new Set<number>(pre.itemQuotas.map((r) => r.quota_id));
  for (const v of pre.variations) for (const id of v.quota_ids) allQuotas.add(id);
  queries++;
  const availability = await quotaAvailability(
    db,
    [...allQuotas].sort((a, b) => a - b),
  );
  return { products: productViews(items, pre, availability), queries };
}

async function prefetchForDate(rows: Rows, subeventId: number, itemIds: number[]): Promise<DatePrefetch> {
  const itemQuotas = await rows<{ item_id: number; quota_id: number }>(
    `SELECT qi.item_id, q.id AS quota_id FROM pretixbase_quota q JOIN pretixbase_quota_items qi ON qi.quota_id = q.id
      WHERE q.subevent_id = $1 AND qi.item_id = ANY($2::int[]) ORDER BY q.id`,
    [subeventId, itemIds],
  );
  // variations: active, inside their sale window, not hidden behind vouchers, not disabled for S (the
  // date-scoped shape of pretix PR #6331), each with its S quotas
  const variations = await rows<VariationRow>(
    `SELECT v.id, v.item_id, v.value, v.default_price,
            ARRAY(SELECT q.id FROM pretixbase_quota_variations qv JOIN pretixbase_quota q ON q.id = qv.quota_id
                   WHERE qv.itemvariation_id = v.id AND q.subevent_id = $1 ORDER BY q.id) AS quota_ids
       FROM pretixbase_itemvariation v
      WHERE v.item_id = ANY($2::int[]) AND v.active AND NOT v.hide_without_voucher
        AND (v.available_from IS NULL OR v.available_from <= now()) AND (v.available_until IS NULL OR v.available_until >= now())
        AND NOT EXISTS (SELECT 1 FROM pretixbase_subeventitemvariation sv WHERE sv.variation_id = v.id AND sv.subevent_id = $1 AND sv.disabled)
      ORDER BY v.position, v.id`,
    [subeventId, itemIds],
  );
  const overrides = await rows<DatePrefetch['overrides'][number]>(
    `SELECT 'item' AS kind, item_id AS ref_id, price FROM pretixbase_subeventitem WHERE subevent_id = $1
     UNION ALL
     SELECT 'variation', variation_id, price FROM pretixbase_subeventitemvariation WHERE subevent_id = $1`,
    [subeventId],
  );
  return { itemQuotas, variations, overrides };
}

/** pretix's Python pass: prices from S's overrides, availability from S's quotas, products without one dropped */
function productViews(
  items: ProductListRow[],
  pre: DatePrefetch,
  availability: Map<number, QuotaAvailability>,
): ProductView[] {
  const quotasByItem = new Map<number, number[]>();
  for (const r of pre.itemQuotas) quotasByItem.set(r.item_id, [...(quotasByItem.get(r.item_id) ?? []), r.quota_id]);
  const itemPriceOverride = new Map<number, string>();
  const variationPriceOverride = new Map<number, string>();
  for (const o of pre.overrides) {
    if (o.price === null) continue;
    (o.kind === 'item' ? itemPriceOverride : variationPriceOverride).set(o.ref_id, o.price);
  }

  const products: ProductView[] = [];
  for (const it of items) {
    const itemPrice = itemPriceOverride.get(it.id) ?? it.default_price;
    const max = effectiveMax(it);
    const base = {
      id: it.id,
      name: i18nText(it.name),
      categoryId: it.category_id,
      categoryName: i18nText(it.c_name),
      price: itemPrice,
      requireVoucher: it.require_voucher,
      taxRate: it.t_rate,
    };
    if (Number(it.has_variations) > 0) {
      const vars: VariationView[] = pre.variations
        .filter((v) => v.item_id === it.id && v.quota_ids.length > 0)
        .map((v) => {
          const available = minAvailability(v.quota_ids, availability);
          return {
            id: v.id,
            name: i18nText(v.value),
            price: variationPriceOverride.get(v.id) ?? v.default_price ?? itemPrice,
            available,
            orderMax: orderMaxOf(available, max),
            quotaIds: v.quota_ids,
          };
        });
      // pretix drops a product whose variations have no quota on this date
      if (vars.length === 0) continue;
      const available = vars.reduce<number | null>(
        (acc, v) => (v.available === null || acc === null ? null : Math.max(acc, v.available)),
        0,
      );
      products.push({
        ...base,
        available,
        orderMax: Math.max(...vars.map((v) => v.orderMax)),
        quotaIds: [],
        variations: vars,
      });
    } else {
      const quotaIds = quotasByItem.get(it.id) ?? [];
      // `before` also returns products that only have quotas on other dates: this is where they go
      if (quotaIds.length === 0) continue;
      const available = minAvailability(quotaIds, availability);
      products.push({ ...base, available, orderMax: orderMaxOf(available, max), quotaIds, variations: [] });
    }
  }
  return products;
}
