import { Faker, de, en } from '@faker-js/faker';
import { TableRows, type Cell } from './copy-text.ts';
import { isoTime } from './iso-time.ts';
import { Random } from './random.ts';
import type { DatasetSpec } from './presets.ts';
import {
  ADULT_ITEM_ID, GROUP_ITEM_ID, HOT_CATEGORIES, HOT_EVENT, HOT_ITEMS, HOT_ORGANIZER, SERIES_START_MS,
  WEEKEND_SURCHARGE, hasExtras, slotStartMs, slotWeekday, type HotItem,
} from './hot-series.ts';

/** Bump when the generated content changes: a manifest with another version is reseeded, not reused. */
export const GENERATOR_VERSION = 6;

export interface GeneratedDataset {
  /** in load order */
  tables: TableRows[];
  hot: { eventId: number; firstSubeventId: number; lastSubeventId: number };
}

const iso = isoTime;
const money = (n: number) => n.toFixed(2);
const DAY = 86_400_000;

/** Every table, created by schema.sql, with the columns the generator fills (schema order). */
function tables() {
  const t = (name: string, cols: string) => new TableRows(name, cols.split(',').map((c) => c.trim()));
  return {
    organizer: t('pretixbase_organizer', 'id,name,slug'),
    saleschannel: t('pretixbase_saleschannel', 'id,organizer_id,identifier,label,type,position'),
    event: t('pretixbase_event', 'id,organizer_id,name,slug,live,testmode,currency,date_from,date_to,presale_start,presale_end,has_subevents,is_public,location,plugins,comment,last_modified'),
    subevent: t('pretixbase_subevent', 'id,event_id,active,is_public,name,date_from,date_to,date_admission,presale_start,presale_end,frontpage_text,location,comment,last_modified'),
    taxrule: t('pretixbase_taxrule', 'id,event_id,name,rate,price_includes_tax'),
    itemcategory: t('pretixbase_itemcategory', 'id,event_id,name,internal_name,description,position,is_addon,cross_selling_mode'),
    item: t('pretixbase_item', 'id,event_id,category_id,name,internal_name,active,description,default_price,free_price,free_price_suggestion,tax_rule_id,admission,personalized,position,picture,available_from,available_from_mode,available_until,available_until_mode,hidden_if_available_id,hidden_if_item_available_id,require_voucher,hide_without_voucher,allow_cancel,require_bundling,min_per_order,max_per_order,checkin_attention,checkin_text,original_price,require_approval,generate_tickets,show_quota_left,allow_waitinglist,issue_giftcard,require_membership,validity_mode,media_policy,all_sales_channels,meta_data,created'),
    itemLimit: t('pretixbase_item_limit_sales_channels', 'id,item_id,saleschannel_id'),
    variation: t('pretixbase_itemvariation', 'id,item_id,value,active,position,default_price,original_price,description,available_from,available_until,hide_without_voucher,require_approval,all_sales_channels'),
    addon: t('pretixbase_itemaddon', 'id,base_item_id,addon_category_id,min_count,max_count,position,price_included,multi_allowed'),
    quota: t('pretixbase_quota', 'id,event_id,subevent_id,name,size,closed,close_when_sold_out,release_after_exit,ignore_for_event_availability,cached_availability_state,cached_availability_number,cached_availability_time'),
    quotaItems: t('pretixbase_quota_items', 'id,quota_id,item_id'),
    quotaVariations: t('pretixbase_quota_variations', 'id,quota_id,itemvariation_id'),
    subeventItem: t('pretixbase_subeventitem', 'id,subevent_id,item_id,price,disabled,available_from,available_until'),
    subeventItemVariation: t('pretixbase_subeventitemvariation', 'id,subevent_id,variation_id,price,disabled,available_from,available_until'),
    voucher: t('pretixbase_voucher', 'id,event_id,code,max_usages,redeemed,valid_until,block_quota,allow_ignore_quota,price_mode,value,item_id,variation_id,quota_id,subevent_id,tag,comment,created'),
    waitinglist: t('pretixbase_waitinglistentry', 'id,event_id,subevent_id,created,email,voucher_id,item_id,variation_id,priority'),
    order: t('pretixbase_order', 'id,organizer_id,event_id,code,status,testmode,email,locale,secret,datetime,expires,total,comment,require_approval,sales_channel_id,last_modified'),
    orderposition: t('pretixbase_orderposition', 'id,organizer_id,order_id,positionid,item_id,variation_id,subevent_id,price,tax_rate,tax_value,secret,attendee_name_cached,attendee_email,canceled,voucher_id,addon_to_id'),
    cartposition: t('pretixbase_cartposition', 'id,event_id,cart_id,item_id,variation_id,subevent_id,price,listed_price,datetime,expires,voucher_id,addon_to_id,is_bundled'),
  };
}

/** A product as the generator knows it while writing orders and quotas. */
interface Product {
  id: number;
  eventId: number;
  price: number;
  admission: boolean;
  variations: { id: number; price: number }[];
}

interface EventPlan {
  id: number;
  organizerId: number;
  webChannelId: number;
  taxRate: number;
  products: Product[];
  /** subevent ids with their start; empty for a single event */
  subevents: { id: number; startMs: number }[];
  /** quotas per subevent (or per event when it has none), with the products they cover */
  quotas: { id: number; subeventId: number | null; size: number | null; productIds: number[] }[];
}

/** What every part of the generator shares: the tables, the id counters and the seeded sources of text. */
interface Ctx {
  spec: DatasetSpec;
  T: ReturnType<typeof tables>;
  rnd: Random;
  faker: Faker;
  fakerEn: Faker;
  next: Record<'subevent' | 'category' | 'item' | 'variation' | 'quota' | 'quotaItem' | 'quotaVariation' | 'order' | 'position' | 'voucher' | 'seItem' | 'seVar' | 'cart' | 'wl' | 'itemLimit' | 'addon' | 'channel', number>;
  created: string;
  longText: (f: Faker) => string;
  firstNames: string[];
  lastNames: string[];
  emailOf: (first: string, last: string) => string;
  /** the web sales channel of each organizer */
  webChannel: Map<number, number>;
}

const i18n = (enText: string, deText: string) => ({ en: enText, de: deText });

/**
 * Builds every row of a dataset in memory, deterministically from (spec, seed). Ids are assigned in order,
 * the hot series first, so the hot event is id 1 and its dates are subevents 1..N. The parts run in a fixed
 * order: each draws from the same seeded sources, so reordering them would change every row after.
 */
export function generateDataset(spec: DatasetSpec, seed: number): GeneratedDataset {
  const ctx = context(spec, seed);
  seedOrganizers(ctx);
  const { hot, hotItems } = seedHotEvent(ctx);
  seedHotDates(ctx, hot, hotItems);
  const plans = [hot, ...seedBackgroundEvents(ctx)];
  seedVouchersAndWaitingList(ctx, hot, hotItems);
  seedOrders(ctx, plans);
  seedExpiredCarts(ctx, hot);
  return {
    tables: Object.values(ctx.T),
    hot: { eventId: hot.id, firstSubeventId: hot.subevents[0].id, lastSubeventId: hot.subevents[hot.subevents.length - 1].id },
  };
}

function context(spec: DatasetSpec, seed: number): Ctx {
  const rnd = new Random(seed, 1);
  const faker = new Faker({ locale: [de, en] });
  faker.seed(seed);
  const fakerEn = new Faker({ locale: [en] });
  fakerEn.seed(seed + 1);
  // Faker makes the text, but calling it per row is what would make seeding slow: draw rows from seeded pools.
  // A paragraph per language: the product row's width is what the incident query sorts 30,000 times per
  // product, and with this width its cost alone on a 2-core machine (~0.5 s) is near production's ~1 s.
  const textPool = (f: Faker, n: number) => Array.from({ length: n }, () => f.lorem.paragraph(5));
  const descriptionsEn = textPool(fakerEn, 64);
  const descriptionsDe = textPool(faker, 64);
  const firstNames = Array.from({ length: 800 }, () => faker.person.firstName());
  const lastNames = Array.from({ length: 1500 }, () => faker.person.lastName());
  const mailDomains = Array.from({ length: 40 }, () => fakerEn.internet.domainName());
  return {
    spec, T: tables(), rnd, faker, fakerEn,
    next: { subevent: 1, category: 1, item: 1, variation: 1, quota: 1, quotaItem: 1, quotaVariation: 1, order: 1, position: 1, voucher: 1, seItem: 1, seVar: 1, cart: 1, wl: 1, itemLimit: 1, addon: 1, channel: 1 },
    created: iso(SERIES_START_MS - 400 * DAY),
    longText: (f) => rnd.pick(f === faker ? descriptionsDe : descriptionsEn),
    firstNames, lastNames,
    emailOf: (first, last) => `${first}.${last}${rnd.chance(0.4) ? rnd.int(1, 99) : ''}@${rnd.pick(mailDomains)}`.toLowerCase().replace(/[^a-z0-9.@-]/g, ''),
    webChannel: new Map(),
  };
}

function seedOrganizers({ spec, T, fakerEn, next, webChannel }: Ctx): void {
  const organizerCount = 1 + spec.backgroundOrganizers;
  for (let org = 1; org <= organizerCount; org++) {
    const name = org === HOT_ORGANIZER.id ? HOT_ORGANIZER.name : fakerEn.company.name();
    const slug = org === HOT_ORGANIZER.id ? HOT_ORGANIZER.slug : `${fakerEn.helpers.slugify(name).toLowerCase().slice(0, 40)}-${org}`;
    T.organizer.add([org, name, slug]);
    for (const [pos, identifier, label, type] of [[0, 'web', 'Online shop', 'web'], [1, 'box', 'Box office', 'pretixpos']] as const) {
      const id = next.channel++;
      if (identifier === 'web') webChannel.set(org, id);
      T.saleschannel.add([id, org, identifier, i18n(label, label), type, pos]);
    }
  }
}

type HotItems = Map<number, HotItem & { variationIds: number[] }>;

/** The hot series' event, tax rule, categories, products and variations. */
function seedHotEvent(ctx: Ctx): { hot: EventPlan; hotItems: HotItems } {
  const { spec, T, faker, fakerEn, next, created, longText } = ctx;
  const hot: EventPlan = { id: HOT_EVENT.id, organizerId: HOT_ORGANIZER.id, webChannelId: ctx.webChannel.get(HOT_ORGANIZER.id)!, taxRate: 7, products: [], subevents: [], quotas: [] };
  const hotLastMs = slotStartMs(spec.dates - 1);
  T.event.add([hot.id, hot.organizerId, i18n(HOT_EVENT.name, 'Museumseintritt'), HOT_EVENT.slug, true, false, 'EUR', iso(SERIES_START_MS), iso(hotLastMs + 2 * 3_600_000), null, null, true, true, i18n('City Museum, Main Hall', 'Stadtmuseum, Haupthalle'), 'pretix.plugins.banktransfer,pretix.plugins.stripe,pretix.plugins.ticketoutputpdf', null, created]);
  T.taxrule.add([hot.id, hot.id, i18n('VAT', 'MwSt.'), money(hot.taxRate), true]);
  for (const c of HOT_CATEGORIES) {
    T.itemcategory.add([next.category++, hot.id, i18n(c.name, c.name), null, i18n(longText(fakerEn).slice(0, 200), ''), c.position, c.isAddon, c.isAddon ? null : 'off']);
  }
  const hotItems: HotItems = new Map();
  for (const it of HOT_ITEMS) {
    const id = next.item++;
    writeItem(T.item, {
      id, eventId: hot.id, categoryId: it.categoryId, name: it.name, description: i18n(longText(fakerEn), longText(faker)),
      price: it.price, taxRuleId: hot.id, admission: it.admission, position: it.position, active: it.active ?? true,
      requireVoucher: it.requireVoucher ?? false, hideWithoutVoucher: it.hideWithoutVoucher ?? false,
      allChannels: !it.channels, created,
    });
    if (it.channels) T.itemLimit.add([next.itemLimit++, id, hot.webChannelId]);
    const variationIds: number[] = [];
    it.variations.forEach((v, pos) => {
      const vid = next.variation++;
      variationIds.push(vid);
      T.variation.add([vid, id, i18n(v.name, v.name), true, pos, v.price === null ? null : money(v.price), null, i18n(fakerEn.lorem.sentence(), ''), null, null, false, false, true]);
    });
    hotItems.set(id, { ...it, variationIds });
    if (it.active !== false && !it.hideWithoutVoucher) {
      hot.products.push({ id, eventId: hot.id, price: it.price, admission: it.admission, variations: it.variations.map((v, k) => ({ id: variationIds[k], price: v.price ?? it.price })) });
    }
  }
  T.addon.add([next.addon++, ADULT_ITEM_ID, 3, 0, 1, 0, false, false]);
  return { hot, hotItems };
}

/** The series' dates: one admission quota each, extras on some, price overrides on weekends. */
function seedHotDates({ spec, T, rnd, next, created }: Ctx, hot: EventPlan, hotItems: HotItems): void {
  const admissionItems = HOT_ITEMS.filter((i) => i.quota === 'admission').map((i) => i.id);
  const extrasItems = HOT_ITEMS.filter((i) => i.quota === 'extras').map((i) => i.id);
  for (let d = 0; d < spec.dates; d++) {
    const sid = next.subevent++;
    const start = slotStartMs(d);
    hot.subevents.push({ id: sid, startMs: start });
    const time = new Date(start).toISOString().slice(11, 16);
    T.subevent.add([sid, hot.id, true, true, i18n(`Admission ${time}`, `Eintritt ${time}`), iso(start), iso(start + 2 * 3_600_000), null, iso(start - 120 * DAY), iso(start), null, null, null, created]);

    const size = rnd.int(20, 200);
    const qa = next.quota++;
    T.quota.add([qa, hot.id, sid, `Admission ${time}`, size, false, true, false, false, null, null, null]);
    hot.quotas.push({ id: qa, subeventId: sid, size, productIds: admissionItems });
    for (const itemId of admissionItems) {
      T.quotaItems.add([next.quotaItem++, qa, itemId]);
      for (const vid of hotItems.get(itemId)!.variationIds) T.quotaVariations.add([next.quotaVariation++, qa, vid]);
    }
    if (hasExtras(d)) {
      const qe = next.quota++;
      T.quota.add([qe, hot.id, sid, `Extras ${time}`, 30, false, false, false, true, null, null, null]);
      hot.quotas.push({ id: qe, subeventId: sid, size: 30, productIds: extrasItems });
      for (const itemId of extrasItems) T.quotaItems.add([next.quotaItem++, qe, itemId]);
    }
    const weekday = slotWeekday(d);
    if (weekday >= 5) T.subeventItem.add([next.seItem++, sid, ADULT_ITEM_ID, money(HOT_ITEMS[0].price + WEEKEND_SURCHARGE), false, null, null]);
    if (weekday === 0) T.subeventItem.add([next.seItem++, sid, GROUP_ITEM_ID, null, true, null, null]);
    if (weekday === 6 && d % 40 === 0) {
      // the first Sunday slot: the guided tour at the standard price
      T.subeventItemVariation.add([next.seVar++, sid, hotItems.get(ADULT_ITEM_ID)!.variationIds[1], money(HOT_ITEMS[0].price), false, null, null]);
    }
  }
}

/** Other organizers' events: single events and small weekly series, ten products each. */
function seedBackgroundEvents(ctx: Ctx): EventPlan[] {
  const { spec, T, rnd, fakerEn, next, created } = ctx;
  const plans: EventPlan[] = [];
  for (let e = 0; e < spec.backgroundEvents; e++) {
    const eventId = 2 + e;
    const organizerId = 2 + (e % spec.backgroundOrganizers);
    const hasSeries = e % 5 === 0;
    const plan: EventPlan = { id: eventId, organizerId, webChannelId: ctx.webChannel.get(organizerId)!, taxRate: rnd.pick([7, 19]), products: [], subevents: [], quotas: [] };
    plans.push(plan);
    const startMs = SERIES_START_MS + rnd.int(-300, 600) * DAY + rnd.int(10, 20) * 3_600_000;
    const title = fakerEn.music.songName();
    T.event.add([eventId, organizerId, i18n(title, title), `${fakerEn.helpers.slugify(title).toLowerCase().slice(0, 30)}-${eventId}`, rnd.chance(0.9), false, rnd.pick(['EUR', 'EUR', 'CHF', 'GBP']), iso(startMs), iso(startMs + 4 * 3_600_000), iso(startMs - 90 * DAY), iso(startMs), hasSeries, true, i18n(fakerEn.location.city(), ''), 'pretix.plugins.banktransfer', null, created]);
    T.taxrule.add([eventId, eventId, i18n('VAT', 'MwSt.'), money(plan.taxRate), true]);
    const catIds = [next.category++, next.category++];
    T.itemcategory.add([catIds[0], eventId, i18n('Tickets', 'Tickets'), null, i18n('', ''), 0, false, 'off']);
    T.itemcategory.add([catIds[1], eventId, i18n('Merchandise', 'Fanartikel'), null, i18n('', ''), 1, false, 'off']);
    seedBackgroundProducts(ctx, plan, catIds);
    if (hasSeries) {
      for (let s = 0; s < 20; s++) {
        const sid = next.subevent++;
        const sStart = startMs + s * 7 * DAY;
        plan.subevents.push({ id: sid, startMs: sStart });
        T.subevent.add([sid, eventId, true, true, i18n(title, title), iso(sStart), iso(sStart + 3 * 3_600_000), null, null, null, null, null, null, created]);
        seedBackgroundQuota(ctx, plan, sid, `Date ${s + 1}`);
      }
    } else {
      seedBackgroundQuota(ctx, plan, null, 'Tickets');
    }
  }
  return plans;
}

function seedBackgroundProducts({ T, rnd, faker, fakerEn, next, created, longText }: Ctx, plan: EventPlan, catIds: number[]): void {
  const itemCount = 10;
  for (let k = 0; k < itemCount; k++) {
    const id = next.item++;
    const price = rnd.int(5, 120);
    const admission = k < 6;
    writeItem(T.item, {
      id, eventId: plan.id, categoryId: admission ? catIds[0] : catIds[1], name: admission ? `${fakerEn.word.adjective()} ticket` : fakerEn.commerce.productName(),
      description: i18n(longText(fakerEn), longText(faker)), price, taxRuleId: plan.id, admission, position: k, active: rnd.chance(0.95),
      requireVoucher: false, hideWithoutVoucher: false, allChannels: true, created,
    });
    const product: Product = { id, eventId: plan.id, price, admission, variations: [] };
    if (k % 3 === 0) {
      for (let v = 0; v < 3; v++) {
        const vid = next.variation++;
        const vprice = price + v * 5;
        T.variation.add([vid, id, i18n(['S', 'M', 'L'][v], ['S', 'M', 'L'][v]), true, v, money(vprice), null, null, null, null, false, false, true]);
        product.variations.push({ id: vid, price: vprice });
      }
    }
    plan.products.push(product);
  }
}

function seedBackgroundQuota({ T, rnd, next }: Ctx, plan: EventPlan, subeventId: number | null, name: string): void {
  const qid = next.quota++;
  const size = rnd.chance(0.1) ? null : rnd.int(50, 2000);
  T.quota.add([qid, plan.id, subeventId, name, size, false, true, false, false, null, null, null]);
  plan.quotas.push({ id: qid, subeventId, size, productIds: plan.products.map((p) => p.id) });
  for (const p of plan.products) {
    T.quotaItems.add([next.quotaItem++, qid, p.id]);
    for (const v of p.variations) T.quotaVariations.add([next.quotaVariation++, qid, v.id]);
  }
}

function seedVouchersAndWaitingList({ spec, T, rnd, next, created, firstNames, lastNames, emailOf }: Ctx, hot: EventPlan, hotItems: HotItems): void {
  const hotVouchers = Math.max(20, Math.floor(spec.dates / 100));
  for (let v = 0; v < hotVouchers; v++) {
    const se = hot.subevents[rnd.int(0, hot.subevents.length - 1)];
    const block = rnd.chance(0.3);
    const maxUsages = rnd.int(1, 10);
    T.voucher.add([next.voucher++, hot.id, rnd.code(12), maxUsages, rnd.int(0, maxUsages), iso(se.startMs), block, false, 'set', money(0), rnd.chance(0.5) ? 5 : null, null, null, se.id, rnd.pick(['press', 'partner', 'staff']), null, created]);
  }
  for (let w = 0; w < Math.max(10, Math.floor(spec.dates / 150)); w++) {
    const se = hot.subevents[rnd.int(0, hot.subevents.length - 1)];
    T.waitinglist.add([next.wl++, hot.id, se.id, iso(se.startMs - 10 * DAY), emailOf(rnd.pick(firstNames), rnd.pick(lastNames)), null, ADULT_ITEM_ID, hotItems.get(ADULT_ITEM_ID)!.variationIds[0], 0]);
  }
}

const ORDER_STATUSES = [['p', 0.74], ['n', 0.12], ['e', 0.09], ['c', 0.05]] as const;

/** Orders make quota availability real work: up to three per hot date, twenty per background event. */
function seedOrders(ctx: Ctx, plans: EventPlan[]): void {
  const [hot, ...background] = plans;
  const hotAdmission = hot.products.filter((p) => p.admission);
  for (const se of hot.subevents) {
    const orders = ctx.rnd.weighted([[0, 0.35], [1, 0.35], [2, 0.2], [3, 0.1]] as const);
    for (let o = 0; o < orders; o++) writeOrder(ctx, hot, se, hotAdmission);
  }
  for (const plan of background) {
    for (let o = 0; o < 20; o++) writeOrder(ctx, plan, plan.subevents.length ? ctx.rnd.pick(plan.subevents) : null, plan.products);
  }
}

function writeOrder({ T, rnd, next, firstNames, lastNames, emailOf }: Ctx, plan: EventPlan, subevent: { id: number; startMs: number } | null, productsFor: Product[]): void {
  const id = next.order++;
  const placed = (subevent?.startMs ?? SERIES_START_MS) - rnd.int(1, 60) * DAY - rnd.int(0, 86_399) * 1000;
  const status = rnd.weighted(ORDER_STATUSES);
  const first = rnd.pick(firstNames);
  const last = rnd.pick(lastNames);
  const email = emailOf(first, last);
  const n = rnd.weighted([[1, 0.35], [2, 0.35], [3, 0.2], [4, 0.1]] as const);
  let total = 0;
  const rows: Cell[][] = [];
  for (let p = 1; p <= n; p++) {
    const product = rnd.pick(productsFor);
    const variation = product.variations.length ? rnd.pick(product.variations) : null;
    const price = variation ? variation.price : product.price;
    total += price;
    const tax = price - price / (1 + plan.taxRate / 100);
    const pid = next.position++;
    rows.push([pid, plan.organizerId, id, p, product.id, variation?.id ?? null, subevent?.id ?? null, money(price), money(plan.taxRate), money(tax), rnd.code(20, 'abcdefghjkmnpqrstuvwxyz23456789') + pid.toString(36), `${first} ${last}`, null, status === 'c', null, null]);
  }
  T.order.add([id, plan.organizerId, plan.id, orderCode(id), status, false, email, rnd.pick(['en', 'de', 'de']), rnd.code(16, 'abcdefghijklmnopqrstuvwxyz0123456789'), iso(placed), iso(placed + 14 * DAY), money(total), null, false, plan.webChannelId, iso(placed)]);
  for (const r of rows) T.orderposition.add(r);
}

/** Carts left behind: expired, as most cart rows in a real shop are. */
function seedExpiredCarts({ spec, T, rnd, next }: Ctx, hot: EventPlan): void {
  const hotAdmission = hot.products.filter((p) => p.admission);
  for (let c = 0; c < Math.max(50, Math.floor(spec.dates / 60)); c++) {
    const se = hot.subevents[rnd.int(0, hot.subevents.length - 1)];
    const product = rnd.pick(hotAdmission);
    const variation = rnd.pick(product.variations);
    const at = se.startMs - rnd.int(1, 30) * DAY;
    T.cartposition.add([next.cart++, hot.id, `seed-${rnd.code(20)}`, product.id, variation.id, se.id, money(variation.price), money(variation.price), iso(at), iso(at + 30 * 60_000), null, null, false]);
  }
}

interface ItemRow {
  id: number;
  eventId: number;
  categoryId: number;
  name: string;
  description: Record<string, string>;
  price: number;
  taxRuleId: number;
  admission: boolean;
  position: number;
  active: boolean;
  requireVoucher: boolean;
  hideWithoutVoucher: boolean;
  allChannels: boolean;
  created: string;
}

function writeItem(rows: TableRows, it: ItemRow): void {
  rows.add([
    it.id, it.eventId, it.categoryId, { en: it.name, de: it.name }, null, it.active, it.description, money(it.price), false, null, it.taxRuleId,
    it.admission, false, it.position, null, null, 'hide', null, 'hide', null, null, it.requireVoucher, it.hideWithoutVoucher, true, false,
    null, null, false, null, null, false, null, true, true, false, false, null, null, it.allChannels, {}, it.created,
  ]);
}

const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ3789';
const CODE_SPACE = CODE_ALPHABET.length ** 6;

/** Unique per id: multiplying by a constant coprime to 28^6 permutes the code space, so codes look random. */
export function orderCode(id: number): string {
  let x = Number((BigInt(id) * 2654435761n) % BigInt(CODE_SPACE));
  let s = '';
  for (let i = 0; i < 6; i++) {
    s += CODE_ALPHABET[x % CODE_ALPHABET.length];
    x = Math.floor(x / CODE_ALPHABET.length);
  }
  return s;
}
