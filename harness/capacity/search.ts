import { playLoad } from '../load/load-step.ts';
import { readSummaryExport, metricValue } from '../load/summary-export.ts';
import type { Watchdog } from '../guard/watchdog.ts';
import { incidentEnv, INCIDENT_SCRIPT } from '../load/incident-script.ts';
import type { CapacityStep } from './types.ts';
import { measureStep, type UsageSources } from './usage.ts';

export interface SearchPlan {
  shopUrl: string;
  firstDate: number;
  dates: number;
  seed: number;
  sloMs: number;
  maxErrorRate: number;
  stepS: number;
  /** a first guess of the capacity, visitors/min (from a short closed-loop probe) */
  estimate: number;
  /** coarse steps before bisection, and at most this many bisection steps after it */
  maxCoarse: number;
  bisections: number;
  /** each coarse step multiplies or divides the rate by this (2 for a first search, less around a known figure) */
  factor?: number;
  /** bisection stops once the first failing rate is within this share above the capacity (0.05 = 5 %) */
  precision?: number;
  /** where each step's CPU, I/O and database figures are read (none: the steps carry no usage) */
  usage?: UsageSources;
  exportFile: string;
  /** makes cart ids unique per step */
  runId: string;
  log: (line: string) => void;
  /** aborted on a fault: the step's runner stops, and the search ends with the fault */
  signal?: AbortSignal;
  /** records how far a stopped step got */
  watchdog?: Watchdog;
  /** names the point in a stopped step's record: "after @ 300 dates" */
  label: string;
}

/** a step must see this many visitors arrive, or its p95 is a handful of requests (or none, which would pass) */
export const MIN_VISITORS_PER_STEP = 20;
const MAX_STEP_S = 60;

/** How long a step at `rate` plays: the step length, longer at low rates so that enough visitors arrive. */
export function stepSeconds(stepS: number, rate: number): number {
  return Math.max(stepS, Math.min(MAX_STEP_S, Math.ceil((MIN_VISITORS_PER_STEP * 60) / rate)));
}

/** One short constant-arrival-rate run of the incident journey at `rate` visitors/min. */
export async function tryRate(plan: SearchPlan, rate: number): Promise<CapacityStep> {
  const seconds = stepSeconds(plan.stepS, rate);
  const env = incidentEnv({
    baseUrl: plan.shopUrl,
    rate,
    multiplier: 1,
    phases: { tripled: seconds },
    thinkScale: 0.2,
    firstDate: plan.firstDate,
    dates: plan.dates,
    seed: plan.seed,
    slo: { p95Ms: plan.sloMs, maxErrorRate: plan.maxErrorRate },
    runId: `${plan.runId}-${rate}`,
  });
  const played = await playLoad({
    script: INCIDENT_SCRIPT,
    env,
    label: `${plan.label}: ${rate} visitors/min`,
    during: `a capacity step at ${rate} visitors/min`,
    summaryFile: plan.exportFile,
    progress: false,
    signal: plan.signal,
    watchdog: plan.watchdog,
    operators: plan.usage ? (ended, signal) => measureStep(plan.usage!, seconds, ended, signal) : undefined,
  });
  const s = readSummaryExport(plan.exportFile);
  // no product list answered is no evidence that the rate was sustained: it fails
  const p95 = metricValue(s, 'http_req_duration{name:product-list}', 'p(95)') ?? Number.POSITIVE_INFINITY;
  const errors = metricValue(s, 'http_req_failed', 'value') ?? 0;
  const dropped = metricValue(s, 'dropped_iterations', 'count') ?? 0;
  const started = metricValue(s, 'iterations', 'count') ?? 0;
  // a rate the runner could not even offer (iterations dropped) does not count as sustained
  const passed = p95 < plan.sloMs && errors < plan.maxErrorRate && dropped <= 0.01 * (started + dropped);
  const step = {
    visitors_per_min: rate,
    product_list_p95_ms: Number.isFinite(p95) ? Math.round(p95 * 10) / 10 : null,
    error_rate: Math.round(errors * 10000) / 10000,
    dropped_iterations: dropped,
    passed,
    ...(played.operated ? { usage: played.operated } : {}),
  };
  plan.log(
    `  ${rate} visitors/min: product-list p95 ${step.product_list_p95_ms ?? 'n/a (no answer)'} ms, errors ${(errors * 100).toFixed(1)} %, dropped ${dropped} -> ${passed ? 'ok' : 'over'}`,
  );
  return step;
}

const roundRate = (r: number) => (r >= 100 ? Math.round(r) : Math.round(r * 10) / 10);

/**
 * Coarse steps from the estimate (dividing by `factor` on failure, multiplying on success) until a passing and a
 * failing rate bracket the capacity, then bisection inside the bracket until the failing rate is within
 * `precision` of the passing one (or the bisections run out). Returns every step tried.
 */
export async function findCapacity(
  plan: SearchPlan,
): Promise<{ capacity: number; firstFailing: number | null; steps: CapacityStep[] }> {
  const factor = plan.factor ?? 2;
  const precision = plan.precision ?? 0;
  const steps: CapacityStep[] = [];
  let pass: number | null = null;
  let fail: number | null = null;
  let rate = roundRate(Math.max(1, plan.estimate));
  for (let i = 0; i < plan.maxCoarse && (pass === null || fail === null); i++) {
    const step = await tryRate(plan, rate);
    steps.push(step);
    if (step.passed) {
      pass = rate;
      rate = roundRate(rate * factor);
    } else {
      fail = rate;
      rate = roundRate(rate / factor);
    }
    if (pass !== null && fail !== null) break;
    if (rate < 1) break;
  }
  if (pass !== null && fail !== null) {
    for (let i = 0; i < plan.bisections && fail > pass * (1 + precision); i++) {
      const mid = roundRate(Math.sqrt(pass * fail));
      if (mid <= pass || mid >= fail) break;
      const step = await tryRate(plan, mid);
      steps.push(step);
      if (step.passed) pass = mid;
      else fail = mid;
    }
  }
  return { capacity: pass ?? 0, firstFailing: fail, steps };
}
