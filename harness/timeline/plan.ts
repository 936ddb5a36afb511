import { HOT_EVENT, HOT_ORGANIZER } from '../../datasets/hot-series.ts';
import type { SwitchesPatch } from '../../shop/switches.ts';
import type { PeriodName } from './types.ts';
import { fmtPct } from '../cli/format.ts';

/** One period of the day: how long it plays, the post-mortem's clock time, and what the operators switch at its start. */
export interface PeriodPlan {
  name: PeriodName;
  duration_s: number;
  clock: string;
  /** what happened, in the post-mortem's words */
  story: string;
  switches: SwitchesPatch;
  /** a database server the operators restart at the period's start, before its switches */
  restart?: string;
  /** the post-mortem gives no clock time: the run places the period itself */
  time_assumed?: boolean;
}

export interface QueuePlan {
  visitors_per_minute: number;
  retry_after_s: number;
  formula: string;
}

export const HOT_SHOP = `${HOT_ORGANIZER.slug}/${HOT_EVENT.slug}`;

const FULL: Record<PeriodName, number> = {
  normal: 90,
  tripled: 120,
  reroute: 60,
  'all-primary': 60,
  'access-cut': 60,
  queue: 120,
  'shop-disabled': 90,
  fixed: 90,
};
const QUICK: Record<PeriodName, number> = {
  normal: 12,
  tripled: 15,
  reroute: 10,
  'all-primary': 10,
  'access-cut': 8,
  queue: 15,
  'shop-disabled': 10,
  fixed: 12,
};

/**
 * The operators' two moves before the cut, on a platform with replicas (the post-mortem: "restarted the database
 * server and re-routed all queries ... only shifted the high load to another database server", then "shifted all
 * database queries to our primary"). It gives no time for either: they go between 12:45 (the team complete) and
 * 13:22 (the cut), each marked time_assumed. reroute needs a second replica to move to.
 */
function moves(d: Record<PeriodName, number>, replicas: number): PeriodPlan[] {
  const reroute: PeriodPlan = {
    name: 'reroute',
    duration_s: d.reroute,
    clock: '12:50',
    time_assumed: true,
    story: 'replica-1 restarted and the reads re-routed to replica-2: the high load moves with them',
    restart: 'replica-1',
    switches: { restart: 'replica-1', reads: 'replica-2' },
  };
  const allPrimary: PeriodPlan = {
    name: 'all-primary',
    duration_s: d['all-primary'],
    clock: '13:05',
    time_assumed: true,
    story: 'replication suspected: every query shifted to the primary, which now carries the load and the writes',
    switches: { reads: 'primary' },
  };
  return replicas >= 2 ? [reroute, allPrimary] : replicas === 1 ? [allPrimary] : [];
}

/** The post-mortem's timeline (UTC, 2026-06-29) as periods of the replay; `replicas` adds the operators' moves. */
export function dayPlan(quick: boolean, queue: QueuePlan, replicas = 0): PeriodPlan[] {
  const d = quick ? QUICK : FULL;
  return [
    {
      name: 'normal',
      duration_s: d.normal,
      clock: 'until 12:07',
      story: 'a normal day: the hot shop and everyone else at their usual visitors',
      switches: {},
    },
    {
      name: 'tripled',
      duration_s: d.tripled,
      clock: '12:07',
      story: "the hot shop's visitors have tripled; averages > 10 s for all, ~30 % errors",
      switches: {},
    },
    ...moves(d, replicas),
    {
      name: 'access-cut',
      duration_s: d['access-cut'],
      clock: '13:22',
      story: 'external access cut entirely: load recovers, the suspect query run by hand is still slow',
      switches: { access_cut: true },
    },
    {
      name: 'queue',
      duration_s: d.queue,
      clock: '13:44',
      story: `access back with the visitor queue on, ${queue.visitors_per_minute} new visitors per minute per customer: better, still severely impacted`,
      switches: {
        access_cut: false,
        queue: { visitors_per_minute: queue.visitors_per_minute, retry_after_s: queue.retry_after_s },
      },
    },
    {
      name: 'shop-disabled',
      duration_s: d['shop-disabled'],
      clock: '13:48',
      story: 'the hot shop disabled: everyone else back to normal by 13:55',
      switches: { disabled_shops: [HOT_SHOP] },
    },
    {
      name: 'fixed',
      duration_s: d.fixed,
      clock: '18:30',
      story: 'the fix live, the hot shop re-enabled, still three times the visitors',
      switches: { variant: 'after', disabled_shops: [], queue: null },
    },
  ];
}

/**
 * The hot shop's normal rate as a share of what the old query serves, set apart from the replay's
 * (TARGET_UTILISATION): on the day the other shops' visitors share the shop's connections and the database with
 * the hot shop, so the overload it meets is measured on the day. At 0.58 a default day (2026-12-06 18:45, a fresh
 * clone) failed 37 % of the hot shop's page loads when its visitors tripled, the middle of the post-mortem's band;
 * 0.66 would push the day past it.
 */
export const DAY_UTILISATION = 0.58;

/**
 * N, the queue's new visitors per minute per organizer: as many as the old query serves at full load. That is
 * fewer than the tripled crowd, so the queue helps, yet the database runs without headroom, so everyone still
 * waits at times (the post-mortem: "better, still severely impacted"). The calibration sets the normal rate R
 * at DAY_UTILISATION of full load, so N = R / DAY_UTILISATION; through R, a --quick run's cap on the rate caps N
 * alike, so the queue bites in short runs too.
 */
export function queuePlan(hotPerMin: number, quick: boolean, given?: number): QueuePlan {
  const retry_after_s = quick ? 2 : 10;
  if (given !== undefined)
    return { visitors_per_minute: given, retry_after_s, formula: `--queue-rate ${given}, as given` };
  const n = Math.max(1, Math.round(hotPerMin / DAY_UTILISATION));
  return {
    visitors_per_minute: n,
    retry_after_s,
    formula: `N = what the old query serves at full load: the normal ${hotPerMin} visitors/min are ${fmtPct(DAY_UTILISATION)} of it, so ${n} new visitors/min per organizer`,
  };
}
