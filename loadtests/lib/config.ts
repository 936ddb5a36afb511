/** Every knob of the incident traffic comes from __ENV (k6 -e K=V), with defaults that run the real thing. */
export interface TrafficConfig {
  baseUrl: string;
  organizer: string;
  event: string;
  /** baseline arrival rate, visitors per minute */
  rate: number;
  multiplier: number;
  baselineS: number;
  rampS: number;
  tripledS: number;
  /** visitors of the `sample` phase (the growth audit) */
  visitors: number;
  /** think time between steps is multiplied by this (short runs use less) */
  thinkScale: number;
  firstDate: number;
  dates: number;
  seed: number;
  /** the SLO of a healthy shop, used by the thresholds */
  p95Ms: number;
  maxErrorRate: number;
  timeout: string;
  /** the longest a visitor stays on a waiting room's queue page before giving up */
  queueMaxWaitS: number;
  preAllocatedVUs: number;
  maxVUs: number;
}

function num(name: string, fallback: number): number {
  const raw = __ENV[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n)) throw new Error(`-e ${name}=${raw} is not a number`);
  return n;
}

/** A number from __ENV (k6 -e K=V), or the fallback; other scripts' own knobs read through it too. */
export { num as envNumber };

export function trafficConfig(): TrafficConfig {
  const rate = num('RATE', 60);
  const multiplier = num('MULTIPLIER', 3);
  const thinkScale = num('THINK_SCALE', 1);
  const peakPerSecond = (rate * multiplier) / 60;
  // a journey lasts about 15 s of thinking (scaled) plus its requests, up to 10 s each when the shop drowns
  const vus = Math.max(10, Math.ceil(peakPerSecond * (15 * thinkScale + 10)));
  return {
    baseUrl: (__ENV.BASE_URL || 'http://127.0.0.1:8000').replace(/\/$/, ''),
    organizer: __ENV.ORGANIZER || 'citymuseum',
    event: __ENV.EVENT || 'timeslots',
    rate,
    multiplier,
    baselineS: num('BASELINE_S', 120),
    rampS: num('RAMP_S', 30),
    tripledS: num('TRIPLED_S', 120),
    visitors: num('VISITORS', 60),
    thinkScale,
    firstDate: num('FIRST_DATE', 1),
    dates: num('DATES', 30000),
    seed: num('SEED', 42),
    p95Ms: num('P95_MS', 1000),
    maxErrorRate: num('MAX_ERROR_RATE', 0.01),
    timeout: __ENV.TIMEOUT || '10s',
    queueMaxWaitS: num('QUEUE_MAX_WAIT_S', 600),
    preAllocatedVUs: num('PRE_VUS', vus),
    maxVUs: num('MAX_VUS', vus * 2),
  };
}
