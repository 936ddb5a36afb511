// The 06-27 partial network partition's traffic: visitors at one steady rate for the whole replay. The harness cuts
// and heals the network on its own clock, so this script knows nothing of the phases; every request is put into
// its phase by the time it was made. Runs unchanged on k6:
//   k6 run -e BASE_URL=http://your-shop -e RATE=300 -e DURATION_S=240 loadtests/partition.ts
import exec from 'k6/execution';
import { sleep } from 'k6';
import type { Options } from 'k6/options';
import type http from 'k6/http';
import { envNumber, trafficConfig } from './lib/config.ts';
import { addToCart, browse, checkout, chooseOffer, think } from './lib/journey.ts';
import { visitorRandom } from './lib/random.ts';

const cfg = trafficConfig();
const durationS = envNumber('DURATION_S', 240);
// more of the visitors buy than in the incident's journey: the partition hits the asynchronous actions
const cartShare = envNumber('CART_SHARE', 0.5);
const checkoutShare = envNumber('CHECKOUT_SHARE', 0.5);

export const options: Options = {
  scenarios: {
    steady: {
      executor: 'constant-arrival-rate',
      // whole arrivals per time unit: visitors per hour keeps the rate exact enough
      rate: Math.max(1, Math.round(cfg.rate * 60)),
      timeUnit: '1h',
      duration: `${durationS}s`,
      preAllocatedVUs: cfg.preAllocatedVUs,
      maxVUs: cfg.maxVUs,
      gracefulStop: '15s',
    },
  },
  thresholds: {
    // a healthy shop: pages and asynchronous actions (first tries and retries alike) nearly never fail
    'http_req_failed{name:calendar}': [`rate<${cfg.maxErrorRate}`],
    'http_req_failed{name:product-list}': [`rate<${cfg.maxErrorRate}`],
    'http_req_failed{name:cart-add}': [`rate<${cfg.maxErrorRate}`],
    'http_req_failed{name:checkout}': [`rate<${cfg.maxErrorRate}`],
  },
  summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)'],
};

// carts must not be shared with an earlier run against the same database; the choices stay seeded
const runId = __ENV.RUN_ID || String(Date.now());

type Res = http.RefinedResponse<http.ResponseType | undefined>;

/**
 * A visitor shown an error (5xx, or no answer) tries once more a second later, as the 06-27 visitors did. The
 * retry carries the same request_id, so an action that did happen (only its answer was lost) is not done twice.
 */
async function withRetry(send: (name: string) => Promise<Res>, name: string): Promise<Res> {
  const first = await send(name);
  if (first.status !== 0 && first.status < 500) return first;
  await sleep(1);
  return send(`${name}-retry`);
}

export default async function (): Promise<void> {
  const visitor = exec.scenario.iterationInTest;
  const rnd = visitorRandom(cfg.seed, 'steady', visitor);
  const cart = `p-${runId}-${visitor}`;

  const { date, list } = await browse(cfg, rnd);
  if (list.status !== 200 || rnd() >= cartShare) return;
  const choice = chooseOffer(list.body, rnd);
  if (!choice) return;
  const addBody = {
    cart_id: cart,
    item: choice.offer.item,
    variation: choice.offer.variation,
    count: choice.count,
    request_id: `${cart}-add`,
  };
  const add = await withRetry((name) => addToCart(cfg, date, addBody, name), 'cart-add');
  if (add.status !== 200 || rnd() >= checkoutShare) return;

  await think(cfg, rnd, 3, 8);
  const checkoutBody = { cart_id: cart, email: `${cart}@example.org`, request_id: `${cart}-checkout` };
  await withRetry((name) => checkout(cfg, checkoutBody, name), 'checkout');
}
