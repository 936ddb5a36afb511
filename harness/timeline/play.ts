import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RunFolder } from '../files/run-folder.ts';
import type { LoadPoints } from '../load/k6-points.ts';
import { playLoad } from '../load/load-step.ts';
import type { Watchdog } from '../guard/watchdog.ts';
import { onSignal } from '../process/cleanup.ts';
import { startShopProcess } from '../process/shop-process.ts';
import { resetStatistics, startSampler, type SampleSummary } from '../stats/index.ts';
import { UserError } from '../../common/user-error.ts';
import { type DayWatch, watchTheDay } from './diagnose.ts';
import { acknowledgedWrites, flip, probeOldQuery, waitForQuiet, type Probe } from './operators.ts';
import type { Platform } from '../db/replicas.ts';
import type { AcknowledgedWrite } from '../../shop/write-journal.ts';
import { startServerSampler, type ServerSample } from './server-sampler.ts';
import type { PeriodPlan } from './plan.ts';
import { TIMELINE_SCRIPT, timelineEnv, type TimelineTraffic } from './script.ts';
import type { ShopTarget } from './tenants.ts';
import type { ProbeResult, TimelineSummary } from './types.ts';

export interface DayPlan {
  /** the primary's URL */
  dbUrl: string;
  /** the primary and its replicas (only the primary with --replicas 0) */
  platform: Platform;
  periods: PeriodPlan[];
  traffic: Omit<TimelineTraffic, 'baseUrl' | 'startAtMs' | 'runId' | 'periods' | 'queueMaxWaitS'>;
  /** hot-series dates the old query is probed on */
  probeDates: number[];
  quick: boolean;
  folder: RunFolder;
  say: (line: string) => void;
  watchdog: Watchdog;
  /** aborted on a fault: the load and the operators stop, and the day ends with the figures it has */
  signal: AbortSignal;
}

export interface PlayedDay {
  startAtMs: number;
  runnerExit: number;
  probe: ProbeResult;
  switches: TimelineSummary['switches'];
  sampler: SampleSummary;
  points: LoadPoints;
  /** the live diagnosis' lines, and its window and interval */
  watch: Pick<DayWatch, 'lines' | 'windowS' | 'intervalS'>;
  /** each server's statistics, every second */
  serverSamples: ServerSample[];
  /** the writes the shop acknowledged over the day */
  journal: { writes: AcknowledgedWrite[]; dropped: number };
}

// the runner needs a few seconds to start (tsx, bundling the script); the day starts when it surely has
const LEAD_MS = 8000;

/**
 * The day itself: one `before` shop with its switches behind a fresh token, warmed up; the old query probed
 * on the idle database; then the runner plays every period while the operators flip the switches on the same
 * clock, probe the old query once the cut has drained the database, and the DB sampler records it all.
 */
export async function playDay(plan: DayPlan): Promise<PlayedDay> {
  const token = randomBytes(32).toString('base64url');
  const shop = await startShopProcess('before', plan.dbUrl, {
    adminToken: token,
    readServers: plan.platform.servers.filter((s) => s.role === 'replica'),
  });
  plan.watchdog.watchProcess('shop', 'the shop (before, with its switches)', shop.unexpectedEnd);
  try {
    const admin = shop.admin;
    if (!admin) throw new UserError('the shop did not open its switches (no "shop admin listening" line)');
    await warmUp(shop.ready, plan.traffic.others, plan.traffic.firstDate, plan.signal);
    const baseline = await probeOldQuery(plan.dbUrl, plan.probeDates);
    plan.say(
      `the old product-list query alone on the idle database: ${baseline.ms} ms (median of ${plan.probeDates.length} dates)`,
    );

    await resetStatistics(plan.dbUrl);
    // the live diagnosis the operators lacked, beside the day from its first visitor (after the idle probe)
    const watch = await watchTheDay(
      plan.platform.servers.map((s) => s.url),
      plan.folder.dir,
      plan.quick,
      plan.say,
    );
    const sampler = await startSampler({
      url: plan.dbUrl,
      outFile: plan.folder.file('db-samples.ndjson'),
      intervalMs: 1000,
      postmasterPid: plan.platform.primary.pid(),
    });
    const servers = startServerSampler(plan.platform.servers, plan.folder.file('server-samples.ndjson'));
    const startAtMs = Date.now() + LEAD_MS;
    const total = plan.periods.reduce((s, p) => s + p.duration_s, 0);
    const queue = plan.periods.find((p) => p.name === 'queue');
    const env = timelineEnv({
      ...plan.traffic,
      baseUrl: shop.ready,
      startAtMs,
      runId: Date.now().toString(36),
      periods: plan.periods,
      queueMaxWaitS: queue?.duration_s ?? 60,
    });
    plan.say(`the day: ${plan.periods.map((p) => `${p.name} ${p.duration_s} s`).join(', ')} (${total} s)`);
    let load: Awaited<ReturnType<typeof playLoad<Pick<PlayedDay, 'probe' | 'switches'>>>>;
    let samples: SampleSummary;
    let serverSamples: ServerSample[];
    try {
      load = await playLoad({
        script: TIMELINE_SCRIPT,
        env,
        label: 'the day',
        during: 'the day',
        summaryFile: plan.folder.file('k6-summary.json'),
        pointsFile: plan.folder.file('k6-points.json.gz'),
        custom: ['queue_wait'],
        signal: plan.signal,
        watchdog: plan.watchdog,
        dbSamples: 'db-samples.ndjson',
        clockStartMs: startAtMs,
        // the operators stop when the runner ends, on a fault, or at Ctrl-C (the cleanups then stop the runner
        // and the shop); when they fail (a switch refused), the load ends with them: no runner outlives the day
        operators: (_ended, signal) => {
          const stop = new AbortController();
          onSignal(() => stop.abort());
          return operate(plan, {
            admin,
            token,
            startAtMs,
            signal: AbortSignal.any([stop.signal, signal]),
            idle: baseline,
          });
        },
      });
    } finally {
      samples = await sampler.stop();
      serverSamples = await servers.stop();
      await watch.handle.stop();
    }
    const operated = load.operated!;
    // a day stopped by a fault has no shop to ask, nor a no-loss check to make
    const journal = plan.signal.aborted ? { writes: [], dropped: 0 } : await acknowledgedWrites(admin, token);
    return {
      startAtMs,
      runnerExit: load.code,
      probe: operated.probe,
      switches: operated.switches,
      sampler: samples,
      points: load.points!,
      watch,
      serverSamples,
      journal,
    };
  } finally {
    await shop.stop();
  }
}

/** The operators restart a database server: ours is stopped and started again; an external one is not ours to. */
async function restartServer(plan: DayPlan, name: string): Promise<void> {
  const ms = await plan.platform.restart(name);
  const line =
    ms === null
      ? `${name} is not ours to restart (DATABASE_URL): only the shop's connections to it are renewed`
      : `${name} restarted in ${ms} ms`;
  plan.say(line);
  plan.watchdog.record(line);
}

async function warmUp(shopUrl: string, others: ShopTarget[], firstDate: number, signal: AbortSignal): Promise<void> {
  const get = async (path: string) =>
    (
      await fetch(`${shopUrl}${path}`, { signal: AbortSignal.any([signal, AbortSignal.timeout(60_000)]) })
    ).arrayBuffer();
  await get('/citymuseum/timeslots/');
  for (let i = 0; i < 3; i++) await get(`/citymuseum/timeslots/${firstDate + i * 37}/`);
  for (const o of others.slice(0, 3)) await get(`/${o.organizer}/${o.event}/${o.firstDate}/`);
}

/** The operators' side of the day: each period's switches at its start, and the probe during the cut. */
async function operate(
  plan: DayPlan,
  o: { admin: string; token: string; startAtMs: number; signal: AbortSignal; idle: Probe },
): Promise<Pick<PlayedDay, 'probe' | 'switches'>> {
  const probe: ProbeResult = {
    baseline_ms: o.idle.ms,
    during_cut_ms: null,
    db_quiet_after_s: null,
    at_s: null,
    subevent_ids: plan.probeDates,
    temp_bytes: null,
    buffers_touched: { idle: o.idle.buffers_touched, during_cut: null },
  };
  const switches: PlayedDay['switches'] = [];
  const restarts: Promise<unknown>[] = [];
  let failed: unknown;
  const since = () => Math.round((Date.now() - o.startAtMs) / 100) / 10;
  let offset = 0;
  try {
    for (const p of plan.periods) {
      const start = offset;
      offset += p.duration_s;
      if (Object.keys(p.switches).length === 0) continue;
      await sleep(Math.max(0, o.startAtMs + start * 1000 - Date.now()), undefined, { signal: o.signal });
      // a restart takes seconds: the reads move on the clock first, then the server restarts, then the shop
      // renews its connections to it (the restart switch)
      const { restart, ...first } = p.switches;
      const state = await flip(o.admin, o.token, first);
      const at_s = since();
      // the restart goes on beside the clock: a slow one must not delay the next period's switches
      if (restart !== undefined)
        restarts.push(
          (p.restart ? restartServer(plan, p.restart) : Promise.resolve())
            .then(() => flip(o.admin, o.token, { restart }))
            .catch((err: unknown) => {
              failed ??= err;
            }),
        );
      switches.push({ period: p.name, planned_s: start, at_s, state });
      const line = `${p.clock} ${p.name} at ${at_s} s: ${JSON.stringify(p.switches)}`;
      plan.say(line);
      plan.watchdog.record(`switched ${line}`);
      if (p.switches.access_cut !== true) continue;
      // the operators look at the suspect query once the cut has let the database drain
      const quietMs = await waitForQuiet(plan.dbUrl, Math.max(1000, (p.duration_s - 4) * 1000), o.signal);
      probe.db_quiet_after_s = quietMs === null ? null : Math.round(quietMs / 100) / 10;
      if (quietMs === null || o.signal.aborted) continue;
      probe.at_s = since();
      const during = await probeOldQuery(plan.dbUrl, plan.probeDates);
      probe.during_cut_ms = during.ms;
      probe.temp_bytes = during.temp_bytes;
      probe.buffers_touched.during_cut = during.buffers_touched;
      const probeLine = `database quiet ${probe.db_quiet_after_s} s after the cut; the old query alone: ${during.ms} ms (idle baseline ${o.idle.ms} ms)`;
      plan.say(probeLine);
      plan.watchdog.record(probeLine);
    }
    await Promise.all(restarts);
    if (failed !== undefined) throw failed;
  } catch (err) {
    // the runner ended early: its exit code says why
    if (!o.signal.aborted) throw err;
  }
  return { probe, switches };
}
