import { UserError } from '../../common/user-error.ts';
import type { DatasetSpec } from '../../datasets/presets.ts';
import type { OpenedDataset } from '../db/dataset.ts';
import { machineFacts } from '../db/machine.ts';
import { reportsDir } from '../files/paths.ts';
import type { RunFolder } from '../files/run-folder.ts';
import { baselineRate } from '../load/calibrate.ts';
import { REQUEST_TIMEOUT_S, SLO } from '../load/incident-script.ts';
import { inRunFrame, withDataset, type RunFrame } from '../guard/run-frame.ts';
import { phaseDeltas, readSamples } from '../stats/index.ts';
import { playDay, type PlayedDay } from './play.ts';
import { DAY_UTILISATION, dayPlan, queuePlan, type PeriodPlan, type QueuePlan } from './plan.ts';
import { writeTimelineReport } from './report.ts';
import { diagnoseChecks, shapeChecks } from './shape.ts';
import { dayDiagnosis, dayVerdicts, type DayDiagnosis } from './diagnose.ts';
import { groupStats, inWindow, periodDb, timelineSeries, type Window } from './stats.ts';
import { otherShops, type ShopTarget } from './tenants.ts';
import { startPlatform, type Platform } from '../db/replicas.ts';
import { requestFigures } from '../load/request-figures.ts';
import { platformFigures, type PlatformFigures } from './platform-analysis.ts';
import { movesChecks, noLossCheck, readsCarryTheLoad, writesSlowDown } from './platform-checks.ts';
import type { PeriodResult, TimelineSeries, TimelineSummary } from './types.ts';

export interface TimelineOptions {
  spec: DatasetSpec;
  seed: number;
  quick: boolean;
  out?: string;
  /** the hot shop's normal visitors per minute; calibrated on `before` when absent */
  baselineRate?: number;
  /** the queue's N; derived from the calibration when absent */
  queueRate?: number;
  /** streaming replicas of the embedded primary (0: one server, as before the platform) */
  replicas: number;
  /** with DATABASE_URL: the replicas of that server, by URL */
  replicaUrls: string[];
  say: (line: string) => void;
}

export const MULTIPLIER = 3;

/**
 * The incident day: seed or reuse, calibrate as load:incident does, then play the post-mortem's periods on one
 * `before` shop that hot and other tenants share, with the operators' switches flipped on the way, and write
 * the run folder (summary.json loadlab.timeline/v1, series.json, report.md/html, the runner's and sampler's files).
 * A watchdog stops it on a fault (disk below its floor, the database, the shop or the runner gone), leaving the
 * folder INCOMPLETE with the switches and figures so far.
 */
export async function runTimeline(o: TimelineOptions): Promise<{ summary: TimelineSummary; folder: RunFolder }> {
  const started = new Date();
  const { result: summary, folder } = await inRunFrame(
    {
      reportsDir,
      out: o.out,
      say: o.say,
      intro: (f) => `loadlab incident day: preset ${o.spec.name} (${o.spec.dates} dates), run folder ${f.dir}`,
    },
    (frame) => withDataset(frame, o.spec, o.seed, (ds) => day(o, frame, ds, started)),
  );
  return { summary, folder };
}

/** calibrate, play the day, then the run folder's files */
async function day(
  o: TimelineOptions,
  { folder, watchdog, signal }: RunFrame,
  { db, result }: Pick<OpenedDataset, 'db' | 'result'>,
  started: Date,
): Promise<TimelineSummary> {
  const { spec, quick, say } = o;
  const m = result.manifest;

  const { baselineVisitorsPerMin: rate, calibration } = await baselineRate({
    dbUrl: db.url,
    firstDate: m.hot_subevent_first,
    dates: m.dates,
    quick,
    given: o.baselineRate,
    targetUtilisation: DAY_UTILISATION,
    say,
    watchdog,
    signal,
  });
  const queue = queuePlan(rate, quick, o.queueRate);
  const others = await otherShops(db.url);
  if (others.length === 0)
    throw new UserError(
      `the ${spec.name} dataset holds no live event series of other organizers, so there is no platform traffic to play`,
    );
  const thinkScale = quick ? 0.25 : 1;
  say(`hot shop ${rate} visitors/min, x${MULTIPLIER} from 'tripled' on (${calibration.formula})`);
  say(`other shops: ${rate} visitors/min over ${others.length} event series of other organizers`);
  say(`queue: ${queue.formula}`);

  const mid = (f: number) => m.hot_subevent_first + Math.floor(m.dates * f);
  const platform = await startPlatform({
    db,
    replicas: o.replicas,
    replicaUrls: o.replicaUrls,
    database: new URL(db.url).pathname.slice(1),
    log: say,
  });
  try {
    return await dayOnPlatform(o, { folder, watchdog, signal }, db, started, {
      platform,
      rate,
      calibration,
      queue,
      others,
      thinkScale,
      probeDates: [mid(0.25), mid(0.5), mid(0.75)],
      firstDate: m.hot_subevent_first,
      dates: m.dates,
    });
  } finally {
    await platform.stop();
  }
}

/** the day on the platform once it runs: play, analyse, write the run folder */
async function dayOnPlatform(
  o: TimelineOptions,
  { folder, watchdog, signal }: Omit<RunFrame, 'say'>,
  db: OpenedDataset['db'],
  started: Date,
  c: {
    firstDate: number;
    dates: number;
    platform: Platform;
    rate: number;
    calibration: TimelineSummary['traffic']['calibration'];
    queue: QueuePlan;
    others: ShopTarget[];
    thinkScale: number;
    probeDates: number[];
  },
): Promise<TimelineSummary> {
  const { spec, seed, quick, say } = o;
  const { platform, rate, calibration, queue, others, thinkScale } = c;
  watchdog.watchProcess('postgres', 'a PostgreSQL server of the platform', platform.unexpectedEnd);
  if (platform.servers.length > 1)
    say(
      `platform: ${platform.servers.map((s) => `${s.name} (${s.role})`).join(', ')}; the shop reads from ${platform.servers[1].name}`,
    );
  const periods = dayPlan(quick, queue, platform.servers.length - 1);
  const played = await playDay({
    dbUrl: db.url,
    platform,
    periods,
    quick,
    folder,
    say,
    watchdog,
    signal,
    probeDates: c.probeDates,
    traffic: {
      hotRate: rate,
      multiplier: MULTIPLIER,
      othersRate: rate,
      others,
      thinkScale,
      firstDate: c.firstDate,
      dates: c.dates,
      seed,
    },
  });
  const { results, series, figures } = await analyse(folder, periods, played, quick ? 1 : 5, platform);
  if (series.startLagMs > 1000)
    say(
      `warning: the load started ${series.startLagMs} ms after the plan (a slow runner start): the switches were that much early`,
    );
  const summary: TimelineSummary = {
    schema: 'loadlab.timeline/v1',
    run_id: folder.runId,
    preset: spec.name,
    dates: spec.dates,
    seed,
    started_at: started.toISOString(),
    finished_at: new Date().toISOString(),
    machine: machineFacts(db),
    traffic: {
      hot_visitors_per_min: rate,
      multiplier: MULTIPLIER,
      others_visitors_per_min: rate,
      others_shops: others.length,
      calibration,
      queue,
      think_scale: thinkScale,
      request_timeout_s: REQUEST_TIMEOUT_S,
      slo: { p95_ms: SLO.p95Ms, max_error_rate: SLO.maxErrorRate },
      start_lag_ms: series.startLagMs,
    },
    periods: results,
    probe_ms: played.probe.during_cut_ms,
    probe: played.probe,
    switches: played.switches,
    shape: [
      ...shapeChecks(results, played.probe),
      ...diagnoseChecks(series.diagnosis),
      ...platformChecks(results, figures, series.diagnosis),
    ],
    runner_exit_code: played.runnerExit,
    diagnose: series.diagnosis,
    topology: figures.topology,
    ...(figures.noLoss ? { no_loss: figures.noLoss } : {}),
    ...(figures.moves ? { moves: figures.moves } : {}),
  };
  await folder.finish(reportsDir, summary, series.timeline, () =>
    writeTimelineReport(folder.dir, { summary, series: series.timeline }),
  );
  return summary;
}

/** The run's files turned into per-period figures for both tenant groups and the chart's series. */
async function analyse(
  folder: RunFolder,
  plan: PeriodPlan[],
  played: PlayedDay,
  bucketS: number,
  platform: Platform,
): Promise<{
  results: PeriodResult[];
  series: { timeline: TimelineSeries; startLagMs: number; diagnosis: DayDiagnosis };
  figures: PlatformFigures;
}> {
  const points = played.points;
  if (points.requests.length === 0) throw new UserError('the day recorded no request');
  const startMs = played.startAtMs;
  let offset = 0;
  const windows: Window[] = plan.map((p) => ({ name: p.name, start_s: offset, end_s: (offset += p.duration_s) }));
  const samples = await readSamples(folder.file('db-samples.ndjson'));
  const endMs = played.sampler.last_ts_ms ?? startMs + offset * 1000;
  const deltas = phaseDeltas(
    [...samples],
    [
      ...windows.map((w) => ({ name: w.name, startMs: startMs + w.start_s * 1000, endMs: startMs + w.end_s * 1000 })),
      { name: 'all', startMs, endMs },
    ],
  );
  const buckets = Math.max(1, Math.ceil(offset / bucketS));
  const figures = await platformFigures({ platform, plan, windows, played, bucketS, buckets });
  const several = platform.servers.length > 1;
  const results = windows.map((w, i): PeriodResult => {
    const sent = inWindow(points, startMs, w, i === windows.length - 1);
    const hot = groupStats(points, sent, w.name, 'hot');
    const others = groupStats(points, sent, w.name, 'others');
    const ok = (g: typeof hot) => g.p95_ms !== null && g.p95_ms < SLO.p95Ms && (g.failed_rate ?? 0) < SLO.maxErrorRate;
    return {
      name: w.name,
      clock: plan[i].clock,
      start_s: w.start_s,
      end_s: w.end_s,
      hot,
      others,
      switched: plan[i].switches,
      db: periodDb(
        deltas.find((d) => d.name === w.name),
        w,
      ),
      within_slo: { hot: ok(hot), others: ok(others) },
      ...(plan[i].time_assumed ? { time_assumed: true } : {}),
      writes_p95_ms: requestFigures(sent.filter((r) => WRITE_ROUTES.includes(r.name))).p95_ms,
      ...(several ? { servers: figures.servers[i] } : {}),
    };
  });
  const all = deltas.find((d) => d.name === 'all')?.series ?? [];
  const verdicts = dayVerdicts(played.watch.lines, startMs, several ? figures.names : undefined);
  const timeline = timelineSeries(points, all, startMs, offset, bucketS);
  if (several) for (const [b, p] of timeline.points.entries()) p.servers = figures.series[b];
  const firstSent = points.requests.reduce((min, r) => Math.min(min, r.ms - r.duration), Infinity);
  return {
    results,
    series: {
      timeline: { ...timeline, diagnose: verdicts },
      diagnosis: dayDiagnosis(verdicts, windows, played.watch),
      startLagMs: Math.round(firstSent - startMs),
    },
    figures,
  };
}

/** the cart's two writes: on the primary whatever the reads do */
const WRITE_ROUTES = ['cart-add', 'checkout'];

/** the platform's shape checks (issue 28); none on one server */
function platformChecks(results: PeriodResult[], f: PlatformFigures, d: DayDiagnosis) {
  if (f.topology.servers.length < 2) return [];
  return [
    ...readsCarryTheLoad(results),
    ...writesSlowDown(results),
    ...noLossCheck(f.noLoss),
    ...movesChecks(f.moves, d.named?.cause ?? null),
  ];
}
