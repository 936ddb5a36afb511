import http, { type Params } from 'k6/http';
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

async function think(cfg: TrafficConfig, rnd: () => number, min: number, max: number): Promise<void> {
  // awaited so the embedded runner's promise-returning sleep works; on k6 it blocks the VU as usual
  await sleep(between(rnd, min, max) * cfg.thinkScale);
}

const json = { 'Content-Type': 'application/json' };

/**
 * One visitor: calendar, a date's product list, sometimes a second date, then a share adds to the cart and
 * a smaller share checks out. Every request carries a `name` tag: the report groups by it. A queue page is
 * waited out and the request asked again (askPatiently); without a waiting room that never happens.
 */
export async function visit(cfg: TrafficConfig, rnd: () => number, visitorId: string, shop: Shop = configuredShop(cfg)): Promise<void> {
  const base = `${cfg.baseUrl}/${shop.organizer}/${shop.event}`;
  const params = (name: string) => ({ tags: { name }, timeout: cfg.timeout, headers: json });
  const ask = (method: string, url: string, body: string | null, p: Params) => askPatiently(method, url, body, p, cfg.queueMaxWaitS);

  const page = rnd() < 0.85 ? 1 : intBetween(rnd, 2, 4);
  const calendar = await ask('GET', page === 1 ? `${base}/` : `${base}/?page=${page}`, null, params('calendar'));
  check(calendar, { 'calendar 200': (r) => r.status === 200 });
  await think(cfg, rnd, 1, 4);

  let date = chooseDate(shop, rnd);
  let list = await ask('GET', `${base}/${date}/`, null, params('product-list'));
  check(list, { 'product list 200': (r) => r.status === 200 });
  await think(cfg, rnd, 2, 6);

  if (rnd() < 0.3) {
    date = chooseDate(shop, rnd);
    list = await ask('GET', `${base}/${date}/`, null, params('product-list'));
    check(list, { 'product list 200': (r) => r.status === 200 });
    await think(cfg, rnd, 2, 6);
  }

  if (list.status !== 200 || rnd() >= 0.2) return;
  const offers = parseOffers(typeof list.body === 'string' ? list.body : '').filter((o) => o.available > 0);
  if (offers.length === 0) return;
  const offer = offers[intBetween(rnd, 0, offers.length - 1)];
  const count = Math.min(offer.available, intBetween(rnd, 1, 3));
  const add = await ask(
    'POST',
    `${base}/${date}/cart/add`,
    JSON.stringify({ cart_id: visitorId, item: offer.item, variation: offer.variation, count }),
    { ...params('cart-add'), responseCallback: http.expectedStatuses(200, 202, 409) },
  );
  check(add, { 'cart add answered': (r) => r.status === 200 || r.status === 409 });
  if (add.status !== 200 || rnd() >= 0.5) return;
  await think(cfg, rnd, 3, 8);

  const checkout = await ask(
    'POST',
    `${base}/checkout`,
    JSON.stringify({ cart_id: visitorId, email: `${visitorId}@example.org` }),
    { ...params('checkout'), responseCallback: http.expectedStatuses(200, 202, 409) },
  );
  check(checkout, { 'checkout answered': (r) => r.status === 200 || r.status === 409 });
}
