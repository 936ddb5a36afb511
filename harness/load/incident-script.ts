/**
 * What the harness tells loadtests/incident.ts through __ENV (k6's -e). The script keeps its own defaults so it
 * runs alone on k6; every harness mode passes these values explicitly, from here, so a limit or a timeout has
 * one source in the harness.
 */
export const INCIDENT_SCRIPT = 'loadtests/incident.ts';

/** A healthy shop: product-list p95 under this, and fewer failed requests than this share. */
export const SLO = { p95Ms: 1000, maxErrorRate: 0.01 } as const;

/** Every request gives up after this long, like the load balancer in front of pretix. */
export const REQUEST_TIMEOUT_S = 10;

export interface IncidentTraffic {
  baseUrl: string;
  /** baseline arrival rate, visitors per minute */
  rate: number;
  multiplier: number;
  /** the phases to play; the tripled phase alone starts at once */
  phases: { baseline?: number; ramp?: number; tripled?: number };
  /** instead of timed phases, this many visitors one after another (the growth audit's `sample`) */
  sampleVisitors?: number;
  thinkScale: number;
  firstDate: number;
  dates: number;
  seed: number;
  /** keeps carts apart from those of earlier runs against the same database */
  runId: string;
  slo?: { p95Ms: number; maxErrorRate: number };
}

export function incidentEnv(t: IncidentTraffic): Record<string, string | number> {
  const slo = t.slo ?? SLO;
  const names =
    t.sampleVisitors !== undefined
      ? ['sample']
      : (['baseline', 'ramp', 'tripled'] as const).filter((p) => t.phases[p] !== undefined);
  return {
    BASE_URL: t.baseUrl,
    RATE: t.rate,
    MULTIPLIER: t.multiplier,
    PHASES: names.join(','),
    ...(t.sampleVisitors !== undefined ? { VISITORS: t.sampleVisitors } : {}),
    BASELINE_S: t.phases.baseline ?? 0,
    RAMP_S: t.phases.ramp ?? 0,
    TRIPLED_S: t.phases.tripled ?? 0,
    THINK_SCALE: t.thinkScale,
    FIRST_DATE: t.firstDate,
    DATES: t.dates,
    SEED: t.seed,
    RUN_ID: t.runId,
    P95_MS: slo.p95Ms,
    MAX_ERROR_RATE: slo.maxErrorRate,
    TIMEOUT: `${REQUEST_TIMEOUT_S}s`,
  };
}
