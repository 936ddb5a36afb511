import http, { type RefinedParams, type ResponseType } from 'k6/http';
import { check, sleep } from 'k6';
import type { TrafficConfig } from './config.ts';
import { askPatiently } from './queue.ts';
import { between, intBetween } from './random.ts';

/** An event series a visitor shops in: its calendar, then one of its dates (subevents firstDate .. firstDate + dates - 1). */
export interface Shop {
  organizer: string;
  event: string;
  firstDate: number;
  dates: number;
}

/** The shop the traffic config names: the hot series unless ORGANIZER/EVENT say otherwise. */
export function configuredShop(cfg: TrafficConfig): Shop {
  return { organizer: cfg.organizer, event: cfg.event, firstDate: cfg.firstDate, dates: cfg.dates };
}

/** What a product page offers, read from the data attributes the shop renders for every product row. */
export interface Offer {
  item: number;
  variation: number | null;
  available: number;
}

export function parseOffers(html: string): Offer[] {
  const offers: Offer[] = [];
  const re = /data-item="(\d+)"(?:\s+data-variation="(\d*)")?\s+data-available="(-?\d+)"/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(html)) !== null) {
    offers.push({ item: Number(m[1]), variation: m[2] ? Number(m[2]) : null, available: Number(m[3]) });
  }
  return offers;
}

/** Most visitors want a slot in the next two weeks; some browse further out. */
export function chooseDate(shop: { firstDate: number; dates: number }, rnd: () => number): number {
  const twoWeeks = Math.min(shop.dates, 14 * 40);
  const index = rnd() < 0.8 ? intBetween(rnd, 0, twoWeeks - 1) : intBetween(rnd, 0, shop.dates - 1);
  return shop.firstDate + index;
}

export async function think(cfg: TrafficConfig, rnd: () => number, min: number, max: number): Promise<void> {
  // awaited so the embedded runner's promise-returning sleep works; on k6 it blocks the VU as usual
  await sleep(between(rnd, min, max) * cfg.thinkScale);
}

const json = { 'Content-Type': 'application/json' };

export function eventBase(cfg: TrafficConfig, shop: Shop = configuredShop(cfg)): string {
  return `${cfg.baseUrl}/${shop.organizer}/${shop.event}`;
}

/** Request parameters of one journey step; every request carries a `name` tag: the report groups by it. */
export function stepParams(cfg: TrafficConfig, name: string) {
  return { tags: { name }, timeout: cfg.timeout, headers: json };
}

/** One request of a step; a queue page is waited out and the request asked again (without a waiting room that never happens). */
function ask<RT extends ResponseType | undefined>(
  cfg: TrafficConfig,
  method: string,
  url: string,
  body: string | null,
  params: RefinedParams<RT>,
) {
  return askPatiently(method, url, body, params, cfg.queueMaxWaitS);
}

/**
 * The browsing part of a visit: the calendar, a date's product list, sometimes a second date. Returns the date
 * of the last product list and its response, which the cart step reads its offers from.
 */
export async function browse(cfg: TrafficConfig, rnd: () => number, shop: Shop = configuredShop(cfg)) {
  const base = eventBase(cfg, shop);
  const page = rnd() < 0.85 ? 1 : intBetween(rnd, 2, 4);
  const calendar = await ask(
    cfg,
    'GET',
    page === 1 ? `${base}/` : `${base}/?page=${page}`,
    null,
    stepParams(cfg, 'calendar'),
  );
  check(calendar, { 'calendar 200': (r) => r.status === 200 });
  await think(cfg, rnd, 1, 4);

  let date = chooseDate(shop, rnd);
  let list = await ask(cfg, 'GET', `${base}/${date}/`, null, stepParams(cfg, 'product-list'));
  check(list, { 'product list 200': (r) => r.status === 200 });
  await think(cfg, rnd, 2, 6);

  if (rnd() < 0.3) {
    date = chooseDate(shop, rnd);
    list = await ask(cfg, 'GET', `${base}/${date}/`, null, stepParams(cfg, 'product-list'));
    check(list, { 'product list 200': (r) => r.status === 200 });
    await think(cfg, rnd, 2, 6);
  }
  return { date, list };
}

/** A product the page offers and how many of it to take, or null when nothing is available. */
export function chooseOffer(listBody: unknown, rnd: () => number): { offer: Offer; count: number } | null {
  const offers = parseOffers(typeof listBody === 'string' ? listBody : '').filter((o) => o.available > 0);
  if (offers.length === 0) return null;
  const offer = offers[intBetween(rnd, 0, offers.length - 1)];
  return { offer, count: Math.min(offer.available, intBetween(rnd, 1, 3)) };
}

// 200, or 409 when it sold out meanwhile (both are answers, not failures); 202 is a queue page the visitor gave up on
const answered = http.expectedStatuses(200, 202, 409);

/** POST a cart add. */
export async function addToCart(
  cfg: TrafficConfig,
  date: number,
  body: Record<string, unknown>,
  name = 'cart-add',
  shop: Shop = configuredShop(cfg),
) {
  const add = await ask(cfg, 'POST', `${eventBase(cfg, shop)}/${date}/cart/add`, JSON.stringify(body), {
    ...stepParams(cfg, name),
    responseCallback: answered,
  });
  check(add, { 'cart add answered': (r) => r.status === 200 || r.status === 409 });
  return add;
}

/** POST a checkout (200, or 409 when a position can no longer be honoured). */
export async function checkout(
  cfg: TrafficConfig,
  body: Record<string, unknown>,
  name = 'checkout',
  shop: Shop = configuredShop(cfg),
) {
  const res = await ask(cfg, 'POST', `${eventBase(cfg, shop)}/checkout`, JSON.stringify(body), {
    ...stepParams(cfg, name),
    responseCallback: answered,
  });
  check(res, { 'checkout answered': (r) => r.status === 200 || r.status === 409 });
  return res;
}

/**
 * One visitor: calendar, a date's product list, sometimes a second date, then a share adds to the cart and
 * a smaller share checks out, with think times between steps.
 */
export async function visit(
  cfg: TrafficConfig,
  rnd: () => number,
  visitorId: string,
  shop: Shop = configuredShop(cfg),
): Promise<void> {
  const { date, list } = await browse(cfg, rnd, shop);
  if (list.status !== 200 || rnd() >= 0.2) return;
  const choice = chooseOffer(list.body, rnd);
  if (!choice) return;
  const add = await addToCart(
    cfg,
    date,
    { cart_id: visitorId, item: choice.offer.item, variation: choice.offer.variation, count: choice.count },
    'cart-add',
    shop,
  );
  if (add.status !== 200 || rnd() >= 0.5) return;
  await think(cfg, rnd, 3, 8);
  await checkout(cfg, { cart_id: visitorId, email: `${visitorId}@example.org` }, 'checkout', shop);
}
