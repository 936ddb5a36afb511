import type { Cell } from './copy-text.ts';
import { ADULT_ITEM_ID, SERIES_START_MS } from './hot-series.ts';
import {
  type Ctx,
  type EventPlan,
  type HotItems,
  type Product,
  DAY,
  i18n,
  iso,
  money,
  writeItem,
} from './generate-context.ts';

/** Other organizers' events: single events and small weekly series, ten products each. */
export function seedBackgroundEvents(ctx: Ctx): EventPlan[] {
  const { spec, T, rnd, fakerEn, next, created } = ctx;
  const plans: EventPlan[] = [];
  for (let e = 0; e < spec.backgroundEvents; e++) {
    const eventId = 2 + e;
    const organizerId = 2 + (e % spec.backgroundOrganizers);
    const hasSeries = e % 5 === 0;
    const plan: EventPlan = {
      id: eventId,
      organizerId,
      webChannelId: ctx.webChannel.get(organizerId)!,
      taxRate: rnd.pick([7, 19]),
      products: [],
      subevents: [],
      quotas: [],
    };
    plans.push(plan);
    const startMs = SERIES_START_MS + rnd.int(-300, 600) * DAY + rnd.int(10, 20) * 3_600_000;
    const title = fakerEn.music.songName();
    T.event.add([
      eventId,
      organizerId,
      i18n(title, title),
      `${fakerEn.helpers.slugify(title).toLowerCase().slice(0, 30)}-${eventId}`,
      rnd.chance(0.9),
      false,
      rnd.pick(['EUR', 'EUR', 'CHF', 'GBP']),
      iso(startMs),
      iso(startMs + 4 * 3_600_000),
      iso(startMs - 90 * DAY),
      iso(startMs),
      hasSeries,
      true,
      i18n(fakerEn.location.city(), ''),
      'pretix.plugins.banktransfer',
      null,
      created,
    ]);
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
        T.subevent.add([
          sid,
          eventId,
          true,
          true,
          i18n(title, title),
          iso(sStart),
          iso(sStart + 3 * 3_600_000),
          null,
          null,
          null,
          null,
          null,
          null,
          created,
        ]);
        seedBackgroundQuota(ctx, plan, sid, `Date ${s + 1}`);
      }
    } else {
      seedBackgroundQuota(ctx, plan, null, 'Tickets');
    }
  }
  return plans;
}

function seedBackgroundProducts(
  { T, rnd, faker, fakerEn, next, created, longText }: Ctx,
  plan: EventPlan,
  catIds: number[],
): void {
  const itemCount = 10;
  for (let k = 0; k < itemCount; k++) {
    const id = next.item++;
    const price = rnd.int(5, 120);
    const admission = k < 6;
    writeItem(T.item, {
      id,
      eventId: plan.id,
      categoryId: admission ? catIds[0] : catIds[1],
      name: admission ? `${fakerEn.word.adjective()} ticket` : fakerEn.commerce.productName(),
      description: i18n(longText(fakerEn), longText(faker)),
      price,
      taxRuleId: plan.id,
      admission,
      position: k,
      active: rnd.chance(0.95),
      requireVoucher: false,
      hideWithoutVoucher: false,
      allChannels: true,
      created,
    });
    const product: Product = { id, eventId: plan.id, price, admission, variations: [] };
    if (k % 3 === 0) {
      for (let v = 0; v < 3; v++) {
        const vid = next.variation++;
        const vprice = price + v * 5;
        T.variation.add([
          vid,
          id,
          i18n(['S', 'M', 'L'][v], ['S', 'M', 'L'][v]),
          true,
          v,
          money(vprice),
          null,
          null,
          null,
          null,
          false,
          false,
          true,
        ]);
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

export function seedVouchersAndWaitingList(
  { spec, T, rnd, next, created, firstNames, lastNames, emailOf }: Ctx,
  hot: EventPlan,
  hotItems: HotItems,
): void {
  const hotVouchers = Math.max(20, Math.floor(spec.dates / 100));
  for (let v = 0; v < hotVouchers; v++) {
    const se = hot.subevents[rnd.int(0, hot.subevents.length - 1)];
    const block = rnd.chance(0.3);
    const maxUsages = rnd.int(1, 10);
    T.voucher.add([
      next.voucher++,
      hot.id,
      rnd.code(12),
      maxUsages,
      rnd.int(0, maxUsages),
      iso(se.startMs),
      block,
      false,
      'set',
      money(0),
      rnd.chance(0.5) ? 5 : null,
      null,
      null,
      se.id,
      rnd.pick(['press', 'partner', 'staff']),
      null,
      created,
    ]);
  }
  for (let w = 0; w < Math.max(10, Math.floor(spec.dates / 150)); w++) {
    const se = hot.subevents[rnd.int(0, hot.subevents.length - 1)];
    T.waitinglist.add([
      next.wl++,
      hot.id,
      se.id,
      iso(se.startMs - 10 * DAY),
      emailOf(rnd.pick(firstNames), rnd.pick(lastNames)),
      null,
      ADULT_ITEM_ID,
      hotItems.get(ADULT_ITEM_ID)!.variationIds[0],
      0,
    ]);
  }
}

const ORDER_STATUSES = [
  ['p', 0.74],
  ['n', 0.12],
  ['e', 0.09],
  ['c', 0.05],
] as const;

/** Orders make quota availability real work: up to three per hot date, twenty per background event. */
export function seedOrders(ctx: Ctx, plans: EventPlan[]): void {
  const [hot, ...background] = plans;
  const hotAdmission = hot.products.filter((p) => p.admission);
  for (const se of hot.subevents) {
    const orders = ctx.rnd.weighted([
      [0, 0.35],
      [1, 0.35],
      [2, 0.2],
      [3, 0.1],
    ] as const);
    for (let o = 0; o < orders; o++) writeOrder(ctx, hot, se, hotAdmission);
  }
  for (const plan of background) {
    for (let o = 0; o < 20; o++)
      writeOrder(ctx, plan, plan.subevents.length ? ctx.rnd.pick(plan.subevents) : null, plan.products);
  }
}

function writeOrder(
  { T, rnd, next, firstNames, lastNames, emailOf }: Ctx,
  plan: EventPlan,
  subevent: { id: number; startMs: number } | null,
  productsFor: Product[],
): void {
  const id = next.order++;
  const placed = (subevent?.startMs ?? SERIES_START_MS) - rnd.int(1, 60) * DAY - rnd.int(0, 86_399) * 1000;
  const status = rnd.weighted(ORDER_STATUSES);
  const first = rnd.pick(firstNames);
  const last = rnd.pick(lastNames);
  const email = emailOf(first, last);
  const n = rnd.weighted([
    [1, 0.35],
    [2, 0.35],
    [3, 0.2],
    [4, 0.1],
  ] as const);
  let total = 0;
  const rows: Cell[][] = [];
  for (let p = 1; p <= n; p++) {
    const product = rnd.pick(productsFor);
    const variation = product.variations.length ? rnd.pick(product.variations) : null;
    const price = variation ? variation.price : product.price;
    total += price;
    const tax = price - price / (1 + plan.taxRate / 100);
    const pid = next.position++;
    rows.push([
      pid,
      plan.organizerId,
      id,
      p,
      product.id,
      variation?.id ?? null,
      subevent?.id ?? null,
      money(price),
      money(plan.taxRate),
      money(tax),
      rnd.code(20, 'abcdefghjkmnpqrstuvwxyz23456789') + pid.toString(36),
      `${first} ${last}`,
      null,
      status === 'c',
      null,
      null,
    ]);
  }
  T.order.add([
    id,
    plan.organizerId,
    plan.id,
    orderCode(id),
    status,
    false,
    email,
    rnd.pick(['en', 'de', 'de']),
    rnd.code(16, 'abcdefghijklmnopqrstuvwxyz0123456789'),
    iso(placed),
    iso(placed + 14 * DAY),
    money(total),
    null,
    false,
    plan.webChannelId,
    iso(placed),
  ]);
  for (const r of rows) T.orderposition.add(r);
}

/** Carts left behind: expired, as most cart rows in a real shop are. */
export function seedExpiredCarts({ spec, T, rnd, next }: Ctx, hot: EventPlan): void {
  const hotAdmission = hot.products.filter((p) => p.admission);
  for (let c = 0; c < Math.max(50, Math.floor(spec.dates / 60)); c++) {
    const se = hot.subevents[rnd.int(0, hot.subevents.length - 1)];
    const product = rnd.pick(hotAdmission);
    const variation = rnd.pick(product.variations);
    const at = se.startMs - rnd.int(1, 30) * DAY;
    T.cartposition.add([
      next.cart++,
      hot.id,
      `seed-${rnd.code(20)}`,
      product.id,
      variation.id,
      se.id,
      money(variation.price),
      money(variation.price),
      iso(at),
      iso(at + 30 * 60_000),
      null,
      null,
      false,
    ]);
  }
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
