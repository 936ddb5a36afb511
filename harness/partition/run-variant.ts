import { UserError } from '../../common/user-error.ts';
import type { RunFolder } from '../files/run-folder.ts';
import type { LoadPoints } from '../load/k6-points.ts';
import { playLoad } from '../load/load-step.ts';
import { REQUEST_TIMEOUT_S } from '../load/incident-script.ts';
import { cartPrefix, partitionEnv, PARTITION_SCRIPT } from '../load/partition-script.ts';
import type { Watchdog } from '../guard/watchdog.ts';
import { checkNoLoss, dropQueue, lostOrDuplicated, openTasks, readTaskRecords } from './no-loss.ts';
import { acknowledgedActions, partitionSeries, phaseFigures, type PhaseWindow } from './phases.ts';
import { playPartition, type PlayedTimeline } from './play.ts';
import { incidentShape, startTopology, type PartitionShape, type Topology, type WorkerCounts } from './topology.ts';
import {
  PARTITION_PHASES,
  type PartitionPhase,
  type PartitionSeries,
  type PartitionVariant,
  type VariantResult,
} from './types.ts';

export interface VariantPlan {
  variant: PartitionVariant;
  /** this replay's own name for its carts and queue: never one an earlier replay used in the same database */
  replayId: string;
  dbUrl: string;
  redis: { url: string; owned: boolean };
  counts: WorkerCounts;
  /** seconds per phase */
  phases: Record<PartitionPhase, number>;
  /** visitors per minute */
  rate: number;
  thinkScale: number;
  bucketS: number;
  firstDate: number;
  dates: number;
  seed: number;
  folder: RunFolder;
  log: (line: string) => void;
  watchdog: Watchdog;
  /** aborted on a fault: the load stops and the variant ends with the figures it has */
  signal: AbortSignal;
}

export interface VariantOutcome {
  result: VariantResult;
  series: PartitionSeries;
  shape: PartitionShape;
}

export const BEHAVIOUR: Record<PartitionVariant, string> = {
  before: 'task workers take tasks whatever their PostgreSQL link (as on 2026-06-27)',
  after:
    'a task worker takes tasks only while its PostgreSQL link answers, and hands back a task that found it gone before writing',
};

async function warmUp(url: string, firstDate: number, signal: AbortSignal): Promise<void> {
  for (const path of ['/citymuseum/timeslots/', `/citymuseum/timeslots/${firstDate}/`])
    await (await fetch(`${url}${path}`, { signal })).arrayBuffer();
}

/** Waits until no task of the replay is waiting or running (a task may outlive its visitor's timeout). */
async function drain(redisUrl: string, prefix: string, signal: AbortSignal): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!signal.aborted && (await openTasks(redisUrl, prefix)) > 0 && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 200));
}

/**
 * Every process of the replay must stay up: a web or task worker, haproxy. A worker whose links the partition
 * cuts only loses connections (its clients time out and retry); its process ending is the fault.
 */
function watchTopology(plan: VariantPlan, topo: Topology): void {
  for (const w of [...topo.webs, ...topo.tasks])
    plan.watchdog.watchProcess('process', `${w.kind} worker ${w.name} (${plan.variant})`, w.service.unexpectedEnd);
  plan.watchdog.watchProcess('process', `haproxy (${plan.variant})`, topo.balancer.unexpectedEnd);
}

/** fresh topology, load, the partition on the harness's clock, drain, stop, then the figures and the no-loss check */
export async function runPartitionVariant(plan: VariantPlan): Promise<VariantOutcome> {
  const { variant, folder, log, signal } = plan;
  const prefix = `loadlab-partition-${plan.replayId}-${variant}`;
  const scriptRunId = `${plan.replayId}-${variant}`;
  const total = PARTITION_PHASES.reduce((s, p) => s + plan.phases[p], 0);
  const topo = await startTopology({
    ...plan.counts,
    gated: variant === 'after',
    dbUrl: plan.dbUrl,
    redisUrl: plan.redis.url,
    queuePrefix: prefix,
    haproxyConfig: folder.file(`haproxy-${variant}.cfg`),
    timeoutS: REQUEST_TIMEOUT_S,
    log: (l) => log(`${variant}: ${l}`),
  });
  const pointsFile = folder.file(`k6-points-${variant}.json.gz`);
  let played: PlayedTimeline;
  let runnerExit: number;
  let points: LoadPoints;
  let thresholds: VariantResult['thresholds'];
  let shape: PartitionShape;
  try {
    watchTopology(plan, topo);
    shape = incidentShape(topo);
    await warmUp(topo.url, plan.firstDate, signal);
    log(
      `${variant}: ${PARTITION_PHASES.map((p) => `${p} ${plan.phases[p]} s`).join(', ')} at ${plan.rate} visitors/min; ${BEHAVIOUR[variant]}`,
    );
    const env = partitionEnv({
      baseUrl: topo.url,
      rate: plan.rate,
      durationS: total,
      thinkScale: plan.thinkScale,
      firstDate: plan.firstDate,
      dates: plan.dates,
      seed: plan.seed,
      runId: scriptRunId,
    });
    const load = await playLoad({
      script: PARTITION_SCRIPT,
      env,
      label: variant,
      during: `variant ${variant}`,
      summaryFile: folder.file(`k6-summary-${variant}.json`),
      pointsFile,
      signal,
      watchdog: plan.watchdog,
      // the partition on the harness's clock; if it fails (a link that will not cut), the load stops at once
      operators: (runnerEnded) => playPartition(topo.webs, shape, plan.phases, runnerEnded, log),
    });
    played = load.operated!;
    runnerExit = load.code;
    points = load.points!;
    thresholds = load.thresholds!;
    await drain(plan.redis.url, prefix, signal);
  } finally {
    await topo.stop();
  }
  return measure(plan, { topo, shape, t: played, runnerExit, points, thresholds, prefix, scriptRunId });
}

/** What a replay left to measure: the topology's records, the timeline, the runner's files, the queue. */
interface Played {
  topo: Topology;
  shape: PartitionShape;
  t: PlayedTimeline;
  runnerExit: number;
  points: LoadPoints;
  thresholds: VariantResult['thresholds'];
  prefix: string;
  scriptRunId: string;
}

async function measure(
  plan: VariantPlan,
  { topo, shape, t, runnerExit, points, thresholds, prefix, scriptRunId }: Played,
): Promise<VariantOutcome> {
  if (points.requests.length === 0) throw new UserError(`the load run of variant ${plan.variant} recorded no request`);
  // reduce, not a spread: a long run at a high rate records more requests than a call takes arguments
  const endMs = points.requests.reduce((end, r) => Math.max(end, r.ms), t.healedMs + 1);
  const windows: PhaseWindow[] = [
    { name: 'baseline', startMs: t.loadStartMs, endMs: t.cutMs },
    { name: 'partition', startMs: t.cutMs, endMs: t.healedMs },
    { name: 'recovery', startMs: t.healedMs, endMs },
  ];
  const tasks = await readTaskRecords(plan.redis.url, prefix);
  const check = await checkNoLoss(plan.dbUrl, cartPrefix(scriptRunId), tasks, acknowledgedActions(points));
  if (!plan.redis.owned) await dropQueue(plan.redis.url, prefix);

  const since = (ms: number) => Math.round((ms - t.loadStartMs) / 100) / 10;
  const events = topo.balancer.events;
  const inRotation = (ms: number) =>
    topo.webs.filter((w) => events.filter((e) => e.worker === w.name && e.at_ms <= ms).at(-1)?.state !== 'DOWN').length;
  const taking = (ms: number) =>
    topo.tasks.filter((w) => topo.gateEvents.filter((e) => e.worker === w.name && e.at_ms <= ms).at(-1)?.open !== false)
      .length;
  const gateClosed: Record<string, number | null> = {};
  if (plan.variant === 'after') {
    for (const name of shape.taskWorkersRedisOnly) {
      const e = topo.gateEvents.find((g) => g.worker === name && !g.open && g.at_ms >= t.cutMs);
      gateClosed[name] = e ? Math.round((e.at_ms - t.cutMs) / 100) / 10 : null;
    }
  }
  const byWorker: VariantResult['partition_tasks_by_worker'] = Object.fromEntries(
    topo.tasks.map((w) => [w.name, { ran: 0, failed: 0, handed_back: 0 }]),
  );
  for (const run of topo.taskRuns) {
    if (run.at_ms < t.cutMs || run.at_ms >= t.healedMs) continue;
    const w = byWorker[run.worker];
    w.ran++;
    if (run.outcome === 'failed') w.failed++;
    if (run.outcome === 'handed back') w.handed_back++;
  }

  const phases = Object.fromEntries(windows.map((w) => [w.name, phaseFigures(points, w)])) as VariantResult['phases'];
  return {
    result: {
      behaviour: BEHAVIOUR[plan.variant],
      phases,
      lost_or_duplicated: lostOrDuplicated(check),
      check,
      timeline: {
        load_started_at: new Date(t.loadStartMs).toISOString(),
        cut_s: since(t.cutMs),
        healed_s: since(t.healedMs),
        end_s: since(endMs),
      },
      rotation: events
        .filter((e) => e.at_ms >= t.loadStartMs)
        .map((e) => ({ at_s: since(e.at_ms), worker: e.worker, state: e.state })),
      gate: topo.gateEvents
        .filter((e) => e.at_ms >= t.loadStartMs)
        .map((e) => ({ at_s: since(e.at_ms), worker: e.worker, open: e.open })),
      partition_tasks_by_worker: byWorker,
      gate_closed_after_s: gateClosed,
      runner_exit_code: runnerExit,
      thresholds,
    },
    series: partitionSeries(points, windows, plan.bucketS, inRotation, taking),
    shape,
  };
}
