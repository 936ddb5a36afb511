// The incident day (pretix, 2026-06-29) on one timeline: the hot shop's visitors at their normal rate, then
// three times as many, while the platform's other shops keep their steady visitors. The operators' switches
// (access cut, queue, shop disabled, the fix) are flipped by whoever runs the shop, never by this script; the
// visitors only meet them. Runs unchanged on k6:
//   k6 run -e BASE_URL=http://127.0.0.1:8000 -e RATE=60 -e OTHERS=org/event/first/count,... loadtests/timeline.ts
import exec from 'k6/execution';
import { sleep } from 'k6';
import type { Options } from 'k6/options';
import { trafficConfig } from './lib/config.ts';
import { visit, type Shop } from './lib/journey.ts';
import { visitorRandom } from './lib/random.ts';

const cfg = trafficConfig();

function num(name: string, fallback: number): number {
  const raw = __ENV[name];
  const n = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`-e ${name}=${raw} is not a number >= 0`);
  return n;
}

// the post-mortem's periods, in order, with their length in seconds; only `normal` has the normal rate
const periods = (__ENV.PERIODS || 'normal:90,tripled:120,access-cut:60,queue:120,shop-disabled:90,fixed:90')
  .split(',')
  .map((p) => {
    const [name, seconds] = p.split(':');
    if (!/^[a-z-]+$/.test(name) || !(Number(seconds) > 0)) throw new Error(`-e PERIODS: '${p}' is not name:seconds`);
    return { name, seconds: Number(seconds) };
  });

// the other organizers' shops: organizer/event/firstDate/dates, comma-separated (the harness reads them from the dataset)
const otherShops: Shop[] = (__ENV.OTHERS || '')
  .split(',')
  .filter(Boolean)
  .map((s) => {
    const [organizer, event, firstDate, dates] = s.split('/');
    if (!organizer || !event || !(Number(firstDate) > 0) || !(Number(dates) > 0))
      throw new Error(`-e OTHERS: '${s}' is not organizer/event/firstDate/dates`);
    return { organizer, event, firstDate: Number(firstDate), dates: Number(dates) };
  });
const othersRate = otherShops.length ? num('OTHERS_RATE', cfg.rate) : 0;

// k6 wants whole arrival counts per time unit: visitors per hour keeps the rate exact enough
const perHour = (visitorsPerMinute: number) => Math.max(1, Math.round(visitorsPerMinute * 60));
// a visit thinks ~15 s (scaled) and may wait out 10 s timeouts; in the queue period it may also spend up to
// QUEUE_MAX_WAIT_S on queue pages. An arrival that finds no free VU is dropped (k6's open model), so the queue
// period gets its waiting visitors' VUs up front; elsewhere they grow on demand.
const journeyS = 15 * cfg.thinkScale + 10;
const arrivals = (visitorsPerMinute: number, queueing: boolean) => {
  const maxVUs = Math.max(
    10,
    Math.ceil((visitorsPerMinute / 60) * (journeyS + 40 + (queueing ? cfg.queueMaxWaitS : 0))),
  );
  return {
    executor: 'constant-arrival-rate' as const,
    rate: perHour(visitorsPerMinute),
    timeUnit: '1h',
    preAllocatedVUs: queueing ? maxVUs : Math.min(maxVUs, Math.max(5, Math.ceil((visitorsPerMinute / 60) * journeyS))),
    maxVUs,
    gracefulStop: '30s',
  };
};

const scenarios: NonNullable<Options['scenarios']> = {};
let offset = 0;
for (const p of periods) {
  const timing = { startTime: `${offset}s`, duration: `${p.seconds}s` };
  const hotRate = p.name === 'normal' ? cfg.rate : cfg.rate * cfg.multiplier;
  const queueing = p.name === 'queue';
  scenarios[`hot-${p.name}`] = {
    ...arrivals(hotRate, queueing),
    ...timing,
    exec: 'hot',
    tags: { tenant: 'hot', period: p.name },
  };
  if (othersRate > 0)
    scenarios[`others-${p.name}`] = {
      ...arrivals(othersRate, queueing),
      ...timing,
      exec: 'others',
      tags: { tenant: 'others', period: p.name },
    };
  offset += p.seconds;
}

const slo = [`p(95)<${cfg.p95Ms}`];
const fixed = periods.some((p) => p.name === 'fixed');
export const options: Options = {
  scenarios,
  // after the fix, at three times the visitors, every tenant is healthy again
  thresholds: fixed
    ? {
        'http_req_duration{period:fixed,tenant:hot}': slo,
        'http_req_failed{period:fixed,tenant:hot}': [`rate<${cfg.maxErrorRate}`],
        ...(othersRate > 0
          ? {
              'http_req_duration{period:fixed,tenant:others}': slo,
              'http_req_failed{period:fixed,tenant:others}': [`rate<${cfg.maxErrorRate}`],
            }
          : {}),
      }
    : {},
  summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)'],
};

/** Starts the day at START_AT_MS (epoch ms) when given, so whoever flips the switches shares its clock. */
export async function setup(): Promise<void> {
  const wait = num('START_AT_MS', 0) - Date.now();
  if (wait > 0) await sleep(wait / 1000);
}

const runId = __ENV.RUN_ID || String(Date.now());
const visitorId = () => `t-${runId}-${exec.scenario.name}-${exec.scenario.iterationInTest}`;

export async function hot(): Promise<void> {
  await visit(cfg, visitorRandom(cfg.seed, exec.scenario.name, exec.scenario.iterationInTest), visitorId());
}

export async function others(): Promise<void> {
  const rnd = visitorRandom(cfg.seed, exec.scenario.name, exec.scenario.iterationInTest);
  await visit(cfg, rnd, visitorId(), otherShops[Math.floor(rnd() * otherShops.length)]);
}
