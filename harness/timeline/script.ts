/**
 * What the harness tells loadtests/timeline.ts through __ENV (k6's -e): the one place that builds it. The
 * script keeps defaults of its own so it runs alone on k6; the limits and the timeout come from the incident
 * script's settings, so both replays judge health alike.
 */
import { REQUEST_TIMEOUT_S, SLO } from '../load/incident-script.ts';
import type { PeriodPlan } from './plan.ts';
import { shopsEnv, type ShopTarget } from './tenants.ts';

export const TIMELINE_SCRIPT = 'loadtests/timeline.ts';

export interface TimelineTraffic {
  baseUrl: string;
  /** the hot shop's visitors per minute on a normal day; every later period plays `multiplier` times that */
  hotRate: number;
  multiplier: number;
  othersRate: number;
  others: ShopTarget[];
  periods: PeriodPlan[];
  thinkScale: number;
  firstDate: number;
  dates: number;
  seed: number;
  runId: string;
  /** epoch ms the day starts at (the script's setup waits for it) */
  startAtMs: number;
  /** a visitor leaves the queue page after this long */
  queueMaxWaitS: number;
}

export function timelineEnv(t: TimelineTraffic): Record<string, string | number> {
  return {
    BASE_URL: t.baseUrl,
    RATE: t.hotRate,
    MULTIPLIER: t.multiplier,
    OTHERS_RATE: t.othersRate,
    OTHERS: shopsEnv(t.others),
    PERIODS: t.periods.map((p) => `${p.name}:${p.duration_s}`).join(','),
    START_AT_MS: t.startAtMs,
    THINK_SCALE: t.thinkScale,
    FIRST_DATE: t.firstDate,
    DATES: t.dates,
    SEED: t.seed,
    RUN_ID: t.runId,
    P95_MS: SLO.p95Ms,
    MAX_ERROR_RATE: SLO.maxErrorRate,
    TIMEOUT: `${REQUEST_TIMEOUT_S}s`,
    QUEUE_MAX_WAIT_S: t.queueMaxWaitS,
  };
}
