// The generator's shared context: the tables it fills, the seeded sources, and the row writers every part uses.
import { Faker, de, en } from '@faker-js/faker';
import { TableRows } from './copy-text.ts';
import { isoTime } from './iso-time.ts';
import { Random } from './random.ts';
import type { DatasetSpec } from './presets.ts';
import { SERIES_START_MS, type HotItem } from './hot-series.ts';

export const iso = isoTime;
export const money = (n: number) => n.toFixed(2);
export const DAY = 86_400_000;

/** Every table, created by schema.sql, with the columns the generator fills (schema order). */
export function tables() {
  const t = (name: string, cols: string) =>
    new TableRows(
      name,
      cols.split(',').map((c) => c.trim()),
    );
  return {
    organizer: t('pretixbase_organizer', 'id,name,slug'),
    saleschannel: t('pretixbase_saleschannel', 'id,organizer_id,identifier,label,type,position'),
    event: t(
      'pretixbase_event',
      'id,organizer_id,name,slug,live,testmode,currency,date_from,date_to,presale_start,presale_end,has_subevents,is_public,location,plugins,comment,last_modified',
    ),
    subevent: t(
      'pretixbase_subevent',
      'id,event_id,active,is_public,name,date_from,date_to,date_admission,presale_start,presale_end,frontpage_text,location,comment,last_modified',
    ),
    taxrule: t('pretixbase_taxrule', 'id,event_id,name,rate,price_includes_tax'),
    itemcategory: t(
      'pretixbase_itemcategory',
      'id,event_id,name,internal_name,description,position,is_addon,cross_selling_mode',
    ),
    item: t(
      'pretixbase_item',
      'id,event_id,category_id,name,internal_name,active,description,default_price,free_price,free_price_suggestion,tax_rule_id,admission,personalized,position,picture,available_from,available_from_mode,available_until,available_until_mode,hidden_if_available_id,hidden_if_item_available_id,require_voucher,hide_without_voucher,allow_cancel,require_bundling,min_per_order,max_per_order,checkin_attention,checkin_text,original_price,require_approval,generate_tickets,show_quota_left,allow_waitinglist,issue_giftcard,require_membership,validity_mode,media_policy,all_sales_channels,meta_data,created',
    ),
    itemLimit: t('pretixbase_item_limit_sales_channels', 'id,item_id,saleschannel_id'),
    variation: t(
      'pretixbase_itemvariation',
      'id,item_id,value,active,position,default_price,original_price,description,available_from,available_until,hide_without_voucher,require_approval,all_sales_channels',
    ),
    addon: t(
      'pretixbase_itemaddon',
      'id,base_item_id,addon_category_id,min_count,max_count,position,price_included,multi_allowed',
    ),
    quota: t(
      'pretixbase_quota',
      'id,event_id,subevent_id,name,size,closed,close_when_sold_out,release_after_exit,ignore_for_event_availability,cached_availability_state,cached_availability_number,cached_availability_time',
    ),
    quotaItems: t('pretixbase_quota_items', 'id,quota_id,item_id'),
    quotaVariations: t('pretixbase_quota_variations', 'id,quota_id,itemvariation_id'),
    subeventItem: t('pretixbase_subeventitem', 'id,subevent_id,item_id,price,disabled,available_from,available_until'),
    subeventItemVariation: t(
      'pretixbase_subeventitemvariation',
      'id,subevent_id,variation_id,price,disabled,available_from,available_until',
    ),
    voucher: t(
      'pretixbase_voucher',
      'id,event_id,code,max_usages,redeemed,valid_until,block_quota,allow_ignore_quota,price_mode,value,item_id,variation_id,quota_id,subevent_id,tag,comment,created',
    ),
    waitinglist: t(
      'pretixbase_waitinglistentry',
      'id,event_id,subevent_id,created,email,voucher_id,item_id,variation_id,priority',
    ),
    order: t(
      'pretixbase_order',
      'id,organizer_id,event_id,code,status,testmode,email,locale,secret,datetime,expires,total,comment,require_approval,sales_channel_id,last_modified',
    ),
    orderposition: t(
      'pretixbase_orderposition',
      'id,organizer_id,order_id,positionid,item_id,variation_id,subevent_id,price,tax_rate,tax_value,secret,attendee_name_cached,attendee_email,canceled,voucher_id,addon_to_id',
    ),
    cartposition: t(
      'pretixbase_cartposition',
      'id,event_id,cart_id,item_id,variation_id,subevent_id,price,listed_price,datetime,expires,voucher_id,addon_to_id,is_bundled',
    ),
  };
}

/** A product as the generator knows it while writing orders and quotas. */
export interface Product {
  id: number;
  eventId: number;
  price: number;
  admission: boolean;
  variations: { id: number; price: number }[];
}

export interface EventPlan {
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
export type HotItems = Map<number, HotItem & { variationIds: number[] }>;

export interface Ctx {
  spec: DatasetSpec;
  T: ReturnType<typeof tables>;
  rnd: Random;
  faker: Faker;
  fakerEn: Faker;
  next: Record<
    | 'subevent'
    | 'category'
    | 'item'
    | 'variation'
    | 'quota'
    | 'quotaItem'
    | 'quotaVariation'
    | 'order'
    | 'position'
    | 'voucher'
    | 'seItem'
    | 'seVar'
    | 'cart'
    | 'wl'
    | 'itemLimit'
    | 'addon'
    | 'channel',
    number
  >;
  created: string;
  longText: (f: Faker) => string;
  firstNames: string[];
  lastNames: string[];
  emailOf: (first: string, last: string) => string;
  /** the web sales channel of each organizer */
  webChannel: Map<number, number>;
}

export const i18n = (enText: string, deText: string) => ({ en: enText, de: deText });

export function context(spec: DatasetSpec, seed: number): Ctx {
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
    spec,
    T: tables(),
    rnd,
    faker,
    fakerEn,
    next: {
      subevent: 1,
      category: 1,
      item: 1,
      variation: 1,
      quota: 1,
      quotaItem: 1,
      quotaVariation: 1,
      order: 1,
      position: 1,
      voucher: 1,
      seItem: 1,
      seVar: 1,
      cart: 1,
      wl: 1,
      itemLimit: 1,
      addon: 1,
      channel: 1,
    },
    created: iso(SERIES_START_MS - 400 * DAY),
    longText: (f) => rnd.pick(f === faker ? descriptionsDe : descriptionsEn),
    firstNames,
    lastNames,
    emailOf: (first, last) =>
      `${first}.${last}${rnd.chance(0.4) ? rnd.int(1, 99) : ''}@${rnd.pick(mailDomains)}`
        .toLowerCase()
        .replace(/[^a-z0-9.@-]/g, ''),
    webChannel: new Map(),
  };
}

export interface ItemRow {
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

export function writeItem(rows: TableRows, it: ItemRow): void {
  rows.add([
    it.id,
    it.eventId,
    it.categoryId,
    { en: it.name, de: it.name },
    null,
    it.active,
    it.description,
    money(it.price),
    false,
    null,
    it.taxRuleId,
    it.admission,
    false,
    it.position,
    null,
    null,
    'hide',
    null,
    'hide',
    null,
    null,
    it.requireVoucher,
    it.hideWithoutVoucher,
    true,
    false,
    null,
    null,
    false,
    null,
    null,
    false,
    null,
    true,
    true,
    false,
    false,
    null,
    null,
    it.allChannels,
    {},
    it.created,
  ]);
}
