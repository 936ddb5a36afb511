import { UserError } from '../../common/user-error.ts';
import { playLoad } from '../load/load-step.ts';
import { incidentEnv, INCIDENT_SCRIPT } from '../load/incident-script.ts';

export interface SampleRequest {
  baseUrl: string;
  visitors: number;
  firstDate: number;
  dates: number;
  seed: number;
  /** where the runner writes its request points (k6's --out json) */
  pointsFile: string;
  /** aborted on a fault the watchdog noticed: the runner stops */
  signal?: AbortSignal;
}

/** What the journey did at one size: requests per route (the `name` tag) and how many failed. */
export interface SamplePlayed {
  visitors: number;
  routes: Record<string, { requests: number; failed: number }>;
}

/**
 * Plays the `sample` phase of loadtests/incident.ts: `visitors` visitors one after another, without think time,
 * each making the seeded choices of its number. The same visitors at every size, so each route (calendar
 * pages, product lists of early and late dates, cart, checkout) runs about as often at each.
 */
export async function playSample(r: SampleRequest): Promise<SamplePlayed> {
  const env = incidentEnv({
    baseUrl: r.baseUrl,
    rate: 1,
    multiplier: 1,
    phases: {},
    sampleVisitors: r.visitors,
    thinkScale: 0,
    firstDate: r.firstDate,
    dates: r.dates,
    seed: r.seed,
    // the same cart ids at every audit: where they land in the cart_id index decides the blocks an insert touches
    runId: `audit-${r.seed}`,
  });
  // a threshold of the script may fail (99): the audit does not judge latency, only what the database did
  const { points } = await playLoad({
    script: INCIDENT_SCRIPT,
    env,
    label: 'the journey',
    during: 'the journey',
    pointsFile: r.pointsFile,
    progress: false,
    signal: r.signal,
  });
  const routes: SamplePlayed['routes'] = {};
  for (const p of points!.requests) {
    const route = (routes[p.name] ??= { requests: 0, failed: 0 });
    route.requests++;
    if (p.failed) route.failed++;
  }
  const visitors = points!.iterations.length;
  if (visitors !== r.visitors)
    throw new UserError(
      `the journey played ${visitors} of ${r.visitors} visitors: the statements' counts would not compare between sizes`,
    );
  return { visitors, routes };
}
