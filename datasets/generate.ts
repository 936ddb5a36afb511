import type { TableRows } from './copy-text.ts';
import type { DatasetSpec } from './presets.ts';
import {
  ADULT_ITEM_ID,
  GROUP_ITEM_ID,
  HOT_CATEGORIES,
  HOT_EVENT,
  HOT_ITEMS,
  HOT_ORGANIZER,
  SERIES_START_MS,
  WEEKEND_SURCHARGE,
  hasExtras,
  slotStartMs,
  slotWeekday,
} from './hot-series.ts';
import {
  type Ctx,
  type EventPlan,
  type HotItems,
  DAY,
  context,
  i18n,
  iso,
  money,
  writeItem,
} from './generate-context.ts';
import {
  orderCode,
  seedBackgroundEvents,
  seedExpiredCarts,
  seedOrders,
  seedVouchersAndWaitingList,
} from './generate-background.ts';

export { orderCode };

/** Bump when the generated content changes: a manifest with another version is reseeded, not reused. */
export const GENERATOR_VERSION = 6;

export interface GeneratedDataset {
  /** in load order */
  tables: TableRows[];
  hot: { eventId: number; firstSubeventId: number; lastSubeventId: number };
}

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
    hot: {
      eventId: hot.id,
      firstSubeventId: hot.subevents[0].id,
      lastSubeventId: hot.subevents[hot.subevents.length - 1].id,
    },
  };
}

function seedOrganizers({ spec, T, fakerEn, next, webChannel }: Ctx): void {
  const organizerCount = 1 + spec.backgroundOrganizers;
  for (let org = 1; org <= organizerCount; org++) {
    const name = org === HOT_ORGANIZER.id ? HOT_ORGANIZER.name : fakerEn.company.name();
    const slug =
      org === HOT_ORGANIZER.id
        ? HOT_ORGANIZER.slug
        : `${fakerEn.helpers.slugify(name).toLowerCase().slice(0, 40)}-${org}`;
    T.organizer.add([org, name, slug]);
    for (const [pos, identifier, label, type] of [
      [0, 'web', 'Online shop', 'web'],
      [1, 'box', 'Box office', 'pretixpos'],
    ] as const) {
      const id = next.channel++;
      if (identifier === 'web') webChannel.set(org, id);
      T.saleschannel.add([id, org, identifier, i18n(label, label), type, pos]);
    }
  }
}

/** The hot series' event, tax rule, categories, products and variations. */
function seedHotEvent(ctx: Ctx): { hot: EventPlan; hotItems: HotItems } {
  const { spec, T, faker, fakerEn, next, created, longText } = ctx;
  const hot: EventPlan = {
    id: HOT_EVENT.id,
    organizerId: HOT_ORGANIZER.id,
    webChannelId: ctx.webChannel.get(HOT_ORGANIZER.id)!,
    taxRate: 7,
    products: [],
    subevents: [],
    quotas: [],
  };
  const hotLastMs = slotStartMs(spec.dates - 1);
  T.event.add([
    hot.id,
    hot.organizerId,
    i18n(HOT_EVENT.name, 'Museumseintritt'),
    HOT_EVENT.slug,
    true,
    false,
    'EUR',
    iso(SERIES_START_MS),
    iso(hotLastMs + 2 * 3_600_000),
    null,
    null,
    true,
    true,
    i18n('City Museum, Main Hall', 'Stadtmuseum, Haupthalle'),
    'pretix.plugins.banktransfer,pretix.plugins.stripe,pretix.plugins.ticketoutputpdf',
    null,
    created,
  ]);
  T.taxrule.add([hot.id, hot.id, i18n('VAT', 'MwSt.'), money(hot.taxRate), true]);
  for (const c of HOT_CATEGORIES) {
    T.itemcategory.add([
      next.category++,
      hot.id,
      i18n(c.name, c.name),
      null,
      i18n(longText(fakerEn).slice(0, 200), ''),
      c.position,
      c.isAddon,
      c.isAddon ? null : 'off',
    ]);
  }
  const hotItems: HotItems = new Map();
  for (const it of HOT_ITEMS) {
    const id = next.item++;
    writeItem(T.item, {
      id,
      eventId: hot.id,
      categoryId: it.categoryId,
      name: it.name,
      description: i18n(longText(fakerEn), longText(faker)),
      price: it.price,
      taxRuleId: hot.id,
      admission: it.admission,
      position: it.position,
      active: it.active ?? true,
      requireVoucher: it.requireVoucher ?? false,
      hideWithoutVoucher: it.hideWithoutVoucher ?? false,
      allChannels: !it.channels,
      created,
    });
    if (it.channels) T.itemLimit.add([next.itemLimit++, id, hot.webChannelId]);
    const variationIds: number[] = [];
    it.variations.forEach((v, pos) => {
      const vid = next.variation++;
      variationIds.push(vid);
      T.variation.add([
        vid,
        id,
        i18n(v.name, v.name),
        true,
        pos,
        v.price === null ? null : money(v.price),
        null,
        i18n(fakerEn.lorem.sentence(), ''),
        null,
        null,
        false,
        false,
        true,
      ]);
    });
    hotItems.set(id, { ...it, variationIds });
    if (it.active !== false && !it.hideWithoutVoucher) {
      hot.products.push({
        id,
        eventId: hot.id,
        price: it.price,
        admission: it.admission,
        variations: it.variations.map((v, k) => ({ id: variationIds[k], price: v.price ?? it.price })),
      });
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
    T.subevent.add([
      sid,
      hot.id,
      true,
      true,
      i18n(`Admission ${time}`, `Eintritt ${time}`),
      iso(start),
      iso(start + 2 * 3_600_000),
      null,
      iso(start - 120 * DAY),
      iso(start),
      null,
      null,
      null,
      created,
    ]);

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
    if (weekday >= 5)
      T.subeventItem.add([
        next.seItem++,
        sid,
        ADULT_ITEM_ID,
        money(HOT_ITEMS[0].price + WEEKEND_SURCHARGE),
        false,
        null,
        null,
      ]);
    if (weekday === 0) T.subeventItem.add([next.seItem++, sid, GROUP_ITEM_ID, null, true, null, null]);
    if (weekday === 6 && d % 40 === 0) {
      // the first Sunday slot: the guided tour at the standard price
      T.subeventItemVariation.add([
        next.seVar++,
        sid,
        hotItems.get(ADULT_ITEM_ID)!.variationIds[1],
        money(HOT_ITEMS[0].price),
        false,
        null,
        null,
      ]);
    }
  }
}
