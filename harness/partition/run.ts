import { execFileSync } from 'node:child_process';
import dotenv from 'dotenv';
import type { DatasetSpec } from '../../datasets/presets.ts';
import { debianProgram } from '../process/guarded.ts';
import { reportsDir } from '../files/paths.ts';
import { progressLog } from '../cli/progress.ts';
import type { OpenedDataset } from '../db/dataset.ts';
import type { RunFolder } from '../files/run-folder.ts';
import { inRunFrame, withDataset, type RunFrame } from '../guard/run-frame.ts';
import { REQUEST_TIMEOUT_S } from '../load/incident-script.ts';
import { HEALTH_CHECK, PAGE_TIMEOUT_S } from './haproxy.ts';
import { openRedis } from './redis.ts';
import { machineFacts } from '../db/machine.ts';
import { writePartitionReport } from './report/write.ts';
import { runPartitionVariant } from './run-variant.ts';
import type { WorkerCounts } from './topology.ts';
import {
  PARTITION_PHASES,
  type PartitionPhase,
  type PartitionSeries,
  type PartitionSummary,
  type PartitionVariant,
} from './types.ts';

export interface PartitionOptions {
  spec: DatasetSpec;
  seed: number;
  variants: PartitionVariant[];
  /** visitors per minute, steady */
  rate: number;
  counts: WorkerCounts;
  /** seconds per phase */
  phases: Record<PartitionPhase, number>;
  quick: boolean;
  out?: string;
  say: (line: string) => void;
}

export const DEFAULT_RATE = 300;

export function partitionPhases(quick: boolean): Record<PartitionPhase, number> {
  return quick ? { baseline: 12, partition: 36, recovery: 12 } : { baseline: 60, partition: 120, recovery: 60 };
}

export function defaultCounts(quick: boolean): WorkerCounts {
  return quick
    ? { webWorkers: 2, taskWorkers: 4, taskConcurrency: 10 }
    : { webWorkers: 4, taskWorkers: 8, taskConcurrency: 10 };
}

function haproxyVersion(bin: string): string {
  return /version (\S+)/.exec(execFileSync(bin, ['-v'], { encoding: 'utf8' }))?.[1] ?? 'unknown';
}

/**
 * The 06-27 partition replay: seed or reuse the dataset, start Redis, then per variant a fresh topology (web
 * workers behind HAProxy, task workers on the queue, a fault link per worker and server) under steady load:
 * baseline, the partition, recovery. Afterwards the database is checked against the tasks' record, and the
 * run folder gets summary.json (loadlab.partition/v1), series.json, report.md and report.html. A watchdog stops
 * it on a fault (disk below its floor; the database, redis-server, haproxy, a worker or the runner gone), leaving
 * the folder INCOMPLETE; links cut by the partition itself are no fault.
 */
export async function runPartition(o: PartitionOptions): Promise<{ summary: PartitionSummary; folder: RunFolder }> {
  dotenv.config({ quiet: true });
  // the programs this mode needs, checked before anything starts
  if (!process.env.REDIS_URL?.trim())
    debianProgram('/usr/bin/redis-server', 'redis-server', 'set REDIS_URL to a Redis of your own');
  const haproxy = debianProgram('/usr/sbin/haproxy', 'haproxy');
  const started = new Date();
  const { result: summary, folder } = await inRunFrame(
    {
      reportsDir,
      out: o.out,
      say: o.say,
      intro: (f) =>
        `loadlab partition replay: preset ${o.spec.name} (${o.spec.dates} dates), variants ${o.variants.join(', ')}, run folder ${f.dir}`,
    },
    (frame) => withDataset(frame, o.spec, o.seed, (ds) => replay(o, frame, ds, haproxy, started)),
  );
  return { summary, folder };
}

/** Redis, then each variant's topology under load, then the run folder's files */
async function replay(
  o: PartitionOptions,
  { folder, watchdog, signal }: RunFrame,
  { db, result }: Pick<OpenedDataset, 'db' | 'result'>,
  haproxy: string,
  started: Date,
): Promise<PartitionSummary> {
  const log = progressLog(process.stderr);
  const redis = await openRedis(log);
  if (redis.unexpectedEnd) watchdog.watchProcess('process', 'redis-server', redis.unexpectedEnd);
  const summary = newSummary(o, folder.runId, started, {
    ...machineFacts(db),
    redis: redis.version,
    redis_server: redis.owned ? 'embedded' : 'external',
    haproxy: haproxyVersion(haproxy),
  });
  const m = result.manifest;
  // the folder's name alone is not unique: a run may go into an earlier run's folder, whose carts are still in the database
  const replayId = `${folder.runId}-${started.getTime().toString(36)}`;
  const series: Partial<Record<PartitionVariant, PartitionSeries>> = {};
  for (const variant of o.variants) {
    const outcome = await runPartitionVariant({
      variant,
      replayId,
      dbUrl: db.url,
      redis,
      counts: o.counts,
      phases: o.phases,
      rate: o.rate,
      thinkScale: summary.traffic.think_scale,
      bucketS: o.quick ? 2 : 5,
      firstDate: m.hot_subevent_first,
      dates: m.dates,
      seed: o.seed,
      folder,
      log: o.say,
      watchdog,
      signal,
    });
    summary.variants[variant] = outcome.result;
    summary.topology.partition = {
      web_workers_cut_off: outcome.shape.webWorkersCutOff,
      task_workers_redis_only: outcome.shape.taskWorkersRedisOnly,
    };
    series[variant] = outcome.series;
    const p = outcome.result.phases.partition;
    const line = `${variant}: during the partition ${pct(p.async_actions.failed_rate)} of ${p.async_actions.count} asynchronous actions failed, ${pct(p.pages.failed_rate)} of ${p.pages.count} pages; lost or duplicated: ${outcome.result.lost_or_duplicated}`;
    o.say(line);
    watchdog.record(`${line} (finished)`);
  }
  summary.finished_at = new Date().toISOString();
  await folder.finish(reportsDir, summary, series, () => writePartitionReport(folder.dir, { summary, series }));
  await redis.stop();
  return summary;
}

/** summary.json before any variant ran: what was asked for and what it runs on */
function newSummary(
  o: PartitionOptions,
  runId: string,
  started: Date,
  machine: PartitionSummary['machine'],
): PartitionSummary {
  return {
    schema: 'loadlab.partition/v1',
    run_id: runId,
    preset: o.spec.name,
    dates: o.spec.dates,
    seed: o.seed,
    started_at: started.toISOString(),
    finished_at: '',
    machine,
    traffic: {
      visitors_per_min: o.rate,
      think_scale: o.quick ? 0.25 : 0.5,
      request_timeout_s: REQUEST_TIMEOUT_S,
      phases: PARTITION_PHASES.map((name) => ({ name, duration_s: o.phases[name] })),
    },
    topology: {
      web_workers: o.counts.webWorkers,
      task_workers: o.counts.taskWorkers,
      task_concurrency: o.counts.taskConcurrency,
      product_list_query: 'after',
      load_balancer: { health_check: { ...HEALTH_CHECK }, page_timeout_s: PAGE_TIMEOUT_S },
      partition: { web_workers_cut_off: [], task_workers_redis_only: [] },
    },
    variants: {},
  };
}

const pct = (r: number | null) => (r === null ? 'n/a' : `${(r * 100).toFixed(1)} %`);
