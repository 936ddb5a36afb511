/**
 * The product-list query of a date's shop page, in the two variants the load test compares. This module is
 * the single source of the SQL text: the shop runs it, `npm run explain` and the CI gate EXPLAIN it, and the
 * DB statistics collector finds it in pg_stat_statements by its leading comment. Change it here only.
 *
 * Both variants take the same parameters: $1 event id, $2 sales-channel id, $3 subevent (date) id.
 */

export const variants = ['before', 'after'] as const;
export type Variant = (typeof variants)[number];

export function isVariant(value: string): value is Variant {
  return (variants as readonly string[]).includes(value);
}

/**
 * The marker that tags each variant's SQL. It stands right after SELECT: pg_stat_statements (PostgreSQL 18)
 * drops a statement's leading comment from the text it keeps, but keeps one inside the statement.
 */
export function productListMarker(variant: Variant): string {
  return `/* loadlab:product-list:${variant} */`;
}

// Columns and filters shared by both variants, so the two can differ only where pretix's fix changed them.
const selectColumns = `i.*, c.id AS c_id, c.name AS c_name, c.position AS c_position, c.description AS c_description, c.is_addon AS c_is_addon,
       t.id AS t_id, t.rate AS t_rate, t.price_includes_tax AS t_incl`;

const mandatoryAddons = `EXISTS(SELECT 1 FROM pretixbase_itemaddon a WHERE a.base_item_id = i.id AND a.min_count >= 1 AND NOT a.price_included) AS mandatory_priced_addons`;

const availableFilter = `i.event_id = $1 AND i.active AND NOT i.require_bundling AND NOT i.hide_without_voucher
  AND (i.available_from IS NULL OR i.available_from <= now() OR i.available_from_mode = 'info')
  AND (i.available_until IS NULL OR i.available_until >= now() OR i.available_until_mode = 'info')
  AND (i.all_sales_channels OR sc.saleschannel_id = $2)
  AND (i.category_id IS NULL OR NOT c.is_addon)
  AND NOT EXISTS (SELECT 1 FROM pretixbase_subeventitem s WHERE s.item_id = i.id AND s.subevent_id = $3 AND s.disabled)`;

const orderBy = `ORDER BY c.position, i.category_id, i.position, i.name`;

/**
 * before: the query as pretix ran it from 2017 to June 2026. The quota count has no date filter, so every
 * product drags one quota_items row per date of the series (times its variations) into the GROUP BY: the
 * work grows with the number of dates, whichever date is shown.
 */
const beforeSql = `SELECT ${productListMarker('before')} ${selectColumns},
       COUNT(qi.quota_id) AS quotac, COUNT(v.id) AS has_variations,
       ${mandatoryAddons}
FROM pretixbase_item i
LEFT JOIN pretixbase_itemcategory c ON c.id = i.category_id
LEFT JOIN pretixbase_taxrule t ON t.id = i.tax_rule_id
LEFT JOIN pretixbase_item_limit_sales_channels sc ON sc.item_id = i.id
LEFT JOIN pretixbase_quota_items qi ON qi.item_id = i.id
LEFT JOIN pretixbase_itemvariation v ON v.item_id = i.id
WHERE ${availableFilter}
GROUP BY i.id, c.id, t.id
HAVING COUNT(qi.quota_id) > 0
${orderBy}`;

/**
 * after: pretix PR #6318. The quota check becomes an EXISTS restricted to the shown date, which the
 * quota.subevent_id index answers in a few blocks, independent of the series' length.
 */
const afterSql = `SELECT ${productListMarker('after')} ${selectColumns},
       COUNT(v.id) AS has_variations,
       ${mandatoryAddons}
FROM pretixbase_item i
LEFT JOIN pretixbase_itemcategory c ON c.id = i.category_id
LEFT JOIN pretixbase_taxrule t ON t.id = i.tax_rule_id
LEFT JOIN pretixbase_item_limit_sales_channels sc ON sc.item_id = i.id
LEFT JOIN pretixbase_itemvariation v ON v.item_id = i.id
WHERE ${availableFilter}
  AND EXISTS (SELECT 1 FROM pretixbase_quota_items qi JOIN pretixbase_quota q ON q.id = qi.quota_id
              WHERE q.subevent_id = $3 AND qi.item_id = i.id)
GROUP BY i.id, c.id, t.id
${orderBy}`;

export const productListSql: Readonly<Record<Variant, string>> = { before: beforeSql, after: afterSql };

export interface ProductListParams {
  eventId: number;
  subeventId: number;
  /** the sales channel the shop sells through (pretix's `web` channel of the organizer) */
  channelId: number;
}

export interface SqlQuery {
  name: string;
  text: string;
  values: number[];
}

/** SQL text and bound values for one variant; the same object feeds the shop, EXPLAIN and the stats lookup. */
export function productListQuery(variant: Variant, p: ProductListParams): SqlQuery {
  return {
    name: `product-list:${variant}`,
    text: productListSql[variant],
    values: [p.eventId, p.channelId, p.subeventId],
  };
}

/** One row of the product-list query (the columns both variants share; `quotac` only in `before`). */
export interface ProductListRow {
  id: number;
  event_id: number;
  category_id: number | null;
  name: I18n;
  description: I18n;
  default_price: string;
  free_price: boolean;
  tax_rule_id: number | null;
  admission: boolean;
  position: number;
  require_voucher: boolean;
  max_per_order: number | null;
  min_per_order: number | null;
  c_id: number | null;
  c_name: I18n | null;
  c_position: number | null;
  c_is_addon: boolean | null;
  t_id: number | null;
  t_rate: string | null;
  t_incl: boolean | null;
  quotac?: string;
  has_variations: string;
  mandatory_priced_addons: boolean;
}

/** pretix stores names as i18n JSON objects: `{ "en": "...", "de": "..." }` */
export type I18n = Record<string, string> | string;

export function i18nText(value: I18n | null | undefined, locale = 'en'): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  return value[locale] ?? Object.values(value).find((v) => typeof v === 'string' && v !== '') ?? '';
}
