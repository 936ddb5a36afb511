import http from 'k6/http';
import { check, sleep } from 'k6';
import type { TrafficConfig } from './config.ts';
import { between, intBetween } from './random.ts';

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
export function chooseDate(cfg: TrafficConfig, rnd: () => number): number {
  const twoWeeks = Math.min(cfg.dates, 14 * 40);
  const index = rnd() < 0.8 ? intBetween(rnd, 0, twoWeeks - 1) : intBetween(rnd, 0, cfg.dates - 1);
  return cfg.firstDate + index;
}

async function think(cfg: TrafficConfig, rnd: () => number, min: number, max: number): Promise<void> {
  // awaited so the embedded runner's promise-returning sleep works; on k6 it blocks the VU as usual
  await sleep(between(rnd, min, max) * cfg.thinkScale);
}

const json = { 'Content-Type': 'application/json' };

/**
 * One visitor: calendar, a date's product list, sometimes a second date, then a share adds to the cart and
 * a smaller share checks out. Every request carries a `name` tag: the report groups by it.
 */
export async function visit(cfg: TrafficConfig, rnd: () => number, visitorId: string): Promise<void> {
  const base = `${cfg.baseUrl}/${cfg.organizer}/${cfg.event}`;
  const params = (name: string) => ({ tags: { name }, timeout: cfg.timeout, headers: json });

  const page = rnd() < 0.85 ? 1 : intBetween(rnd, 2, 4);
  const calendar = await http.asyncRequest('GET', page === 1 ? `${base}/` : `${base}/?page=${page}`, null, params('calendar'));
  check(calendar, { 'calendar 200': (r) => r.status === 200 });
  await think(cfg, rnd, 1, 4);

  let date = chooseDate(cfg, rnd);
  let list = await http.asyncRequest('GET', `${base}/${date}/`, null, params('product-list'));
  check(list, { 'product list 200': (r) => r.status === 200 });
  await think(cfg, rnd, 2, 6);

  if (rnd() < 0.3) {
    date = chooseDate(cfg, rnd);
    list = await http.asyncRequest('GET', `${base}/${date}/`, null, params('product-list'));
    check(list, { 'product list 200': (r) => r.status === 200 });
    await think(cfg, rnd, 2, 6);
  }

  if (list.status !== 200 || rnd() >= 0.2) return;
  const offers = parseOffers(typeof list.body === 'string' ? list.body : '').filter((o) => o.available > 0);
  if (offers.length === 0) return;
  const offer = offers[intBetween(rnd, 0, offers.length - 1)];
  const count = Math.min(offer.available, intBetween(rnd, 1, 3));
  const add = await http.asyncRequest(
    'POST',
    `${base}/${date}/cart/add`,
    JSON.stringify({ cart_id: visitorId, item: offer.item, variation: offer.variation, count }),
    { ...params('cart-add'), responseCallback: http.expectedStatuses(200, 409) },
  );
  check(add, { 'cart add answered': (r) => r.status === 200 || r.status === 409 });
  if (add.status !== 200 || rnd() >= 0.5) return;
  await think(cfg, rnd, 3, 8);

  const checkout = await http.asyncRequest(
    'POST',
    `${base}/checkout`,
    JSON.stringify({ cart_id: visitorId, email: `${visitorId}@example.org` }),
    { ...params('checkout'), responseCallback: http.expectedStatuses(200, 409) },
  );
  check(checkout, { 'checkout answered': (r) => r.status === 200 || r.status === 409 });
}
