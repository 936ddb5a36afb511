// The incident's traffic: visitors arrive at a baseline rate, then three times as many (pretix, June 2026).
// Runs unchanged on k6 (`k6 run -e BASE_URL=... -e RATE=... loadtests/incident.ts`) and on loadlab's runner.
import exec from 'k6/execution';
import type { Options } from 'k6/options';
import { trafficConfig } from './lib/config.ts';
import { visit } from './lib/journey.ts';
import { visitorRandom } from './lib/random.ts';

const cfg = trafficConfig();
// k6 wants whole arrival counts per time unit: visitors per hour keeps the rate exact enough
const perHour = (visitorsPerMinute: number) => Math.max(1, Math.round(visitorsPerMinute * 60));
const peak = cfg.rate * cfg.multiplier;
const arrivals = { timeUnit: '1h', preAllocatedVUs: cfg.preAllocatedVUs, maxVUs: cfg.maxVUs, gracefulStop: '15s' };

// PHASES=tripled runs the peak alone (the CI gate's short replay); the default is the incident's three phases.
// PHASES=sample plays VISITORS visitors one after another (the growth audit): the same visitors, each alone
// in the shop, so every size of dataset sees the same journeys and nothing queues.
const only = (__ENV.PHASES || 'baseline,ramp,tripled').split(',');
const allScenarios: NonNullable<Options['scenarios']> = {
  baseline: { executor: 'constant-arrival-rate', rate: perHour(cfg.rate), duration: `${cfg.baselineS}s`, ...arrivals },
  ramp: {
    executor: 'ramping-arrival-rate',
    startTime: `${cfg.baselineS}s`,
    startRate: perHour(cfg.rate),
    stages: [{ target: perHour(peak), duration: `${cfg.rampS}s` }],
    ...arrivals,
  },
  tripled: {
    executor: 'constant-arrival-rate',
    startTime: `${only.length === 1 ? 0 : cfg.baselineS + cfg.rampS}s`,
    rate: perHour(peak),
    duration: `${cfg.tripledS}s`,
    ...arrivals,
  },
  sample: { executor: 'shared-iterations', vus: 1, iterations: cfg.visitors, maxDuration: '10m' },
};

export const options: Options = {
  scenarios: Object.fromEntries(Object.entries(allScenarios).filter(([name]) => only.includes(name))),
  thresholds: {
    // healthy = product pages fast and nearly nothing failing, in every phase
    'http_req_duration{name:product-list}': [`p(95)<${cfg.p95Ms}`],
    'http_req_duration{scenario:tripled,name:product-list}': [`p(95)<${cfg.p95Ms}`],
    http_req_failed: [`rate<${cfg.maxErrorRate}`],
    'http_req_failed{scenario:tripled}': [`rate<${cfg.maxErrorRate}`],
  },
  summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)', 'p(99)'],
};

// carts must not be shared with an earlier run against the same database; the choices stay seeded
const runId = __ENV.RUN_ID || String(Date.now());

export default async function (): Promise<void> {
  const scenario = exec.scenario.name;
  const visitor = exec.scenario.iterationInTest;
  await visit(cfg, visitorRandom(cfg.seed, scenario, visitor), `v-${runId}-${scenario}-${visitor}`);
}
