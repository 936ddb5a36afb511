import { UserError } from '../../common/user-error.ts';
import { startService, type Service } from '../process/service.ts';
import { FaultLink, targetOf, throughLink } from './fault-link.ts';
import { startBalancer, type Balancer } from './haproxy.ts';

export interface WorkerCounts {
  webWorkers: number;
  taskWorkers: number;
  /** tasks one task worker runs at a time */
  taskConcurrency: number;
}

export interface TopologyOptions extends WorkerCounts {
  /** the 06-27 fix: task workers take tasks only while PostgreSQL answers */
  gated: boolean;
  dbUrl: string;
  redisUrl: string;
  /** Redis key prefix of this replay's queue */
  queuePrefix: string;
  /** where haproxy's config is written */
  haproxyConfig: string;
  /** how long the balancer waits for an answer (the visitors' timeout) */
  timeoutS: number;
  log: (line: string) => void;
}

export interface ShopWorker {
  name: string;
  kind: 'web' | 'task';
  /** this worker's own links: cutting one partitions this worker alone */
  postgres: FaultLink;
  redis: FaultLink;
  service: Service;
  /** the web worker's own URL (not through the balancer) */
  url?: string;
}

/** A task worker's gate closing (no longer taking tasks) or opening again, as the worker reported it. */
export interface GateEvent {
  at_ms: number;
  worker: string;
  open: boolean;
}

/** One run of a task, as its worker reported it when the run ended. */
export interface TaskRun {
  at_ms: number;
  worker: string;
  outcome: 'completed' | 'failed' | 'handed back';
}

export interface Topology {
  /** where visitors go: the load balancer */
  url: string;
  webs: ShopWorker[];
  tasks: ShopWorker[];
  balancer: Balancer;
  gateEvents: GateEvent[];
  taskRuns: TaskRun[];
  stop(): Promise<void>;
}

const WEB = { kind: 'web', entry: 'shop/async/web-main.ts' } as const;
const TASK = { kind: 'task', entry: 'shop/async/task-main.ts' } as const;

/**
 * The 06-27 topology on loopback: web workers behind HAProxy, task workers on the Redis queue, and every
 * worker's link to PostgreSQL and to Redis through a fault link of its own. Everything started here is stopped
 * by `stop()`, and by the cleanups on error or Ctrl-C (the links die with this process).
 */
export async function startTopology(o: TopologyOptions): Promise<Topology> {
  const links: FaultLink[] = [];
  const started: ShopWorker[] = [];
  const gateEvents: GateEvent[] = [];
  const taskRuns: TaskRun[] = [];
  let balancer: Balancer | undefined;
  const stop = async () => {
    // links first: a worker still waiting on a cut link then sees its connection end instead of hanging
    for (const l of links) l.restore();
    await balancer?.stop();
    await Promise.all(started.map((w) => w.service.stop()));
    await Promise.all(links.map((l) => l.close()));
  };

  const startWorker = async (spec: typeof WEB | typeof TASK, index: number): Promise<ShopWorker> => {
    const name = `${spec.kind}${index + 1}`;
    const postgres = await FaultLink.open(`${name} -> postgres`, targetOf(o.dbUrl, 5432));
    const redis = await FaultLink.open(`${name} -> redis`, targetOf(o.redisUrl, 6379));
    links.push(postgres, redis);
    const env = {
      SHOP_DATABASE_URL: throughLink(o.dbUrl, postgres),
      SHOP_REDIS_URL: throughLink(o.redisUrl, redis),
      SHOP_QUEUE_PREFIX: o.queuePrefix,
      SHOP_WORKER_NAME: name,
      SHOP_TASK_CONCURRENCY: String(o.taskConcurrency),
      SHOP_TASK_GATE: o.gated ? 'on' : 'off',
      SHOP_QUERY_VARIANT: 'after',
    };
    const onLine = (line: string) => {
      const run = /^(task\d+): ran \S+: (completed|failed|handed back)$/.exec(line);
      if (run) taskRuns.push({ at_ms: Date.now(), worker: run[1], outcome: run[2] as TaskRun['outcome'] });
      const gate = /^(task\d+): postgres link (down|back)/.exec(line);
      if (gate) gateEvents.push({ at_ms: Date.now(), worker: gate[1], open: gate[2] === 'back' });
    };
    const ready = spec.kind === 'web' ? /listening on (http:\/\/127\.0\.0\.1:\d+)/ : /task worker \S+ ready/;
    const service = await startService(`${spec.kind} worker ${name}`, spec.entry, [], ready, {
      env,
      onLine,
      timeoutMs: 60_000,
    });
    const w: ShopWorker = {
      name,
      kind: spec.kind,
      postgres,
      redis,
      service,
      url: spec.kind === 'web' ? service.ready : undefined,
    };
    started.push(w);
    return w;
  };

  try {
    const [webs, tasks] = await Promise.all([
      Promise.all(Array.from({ length: o.webWorkers }, (_, i) => startWorker(WEB, i))),
      Promise.all(Array.from({ length: o.taskWorkers }, (_, i) => startWorker(TASK, i))),
    ]);
    balancer = await startBalancer(
      webs.map((w) => ({ name: w.name, port: Number(new URL(w.url!).port) })),
      o.haproxyConfig,
      o.timeoutS,
    );
    o.log(
      `${webs.length} web workers behind haproxy on ${balancer.url}, ${tasks.length} task workers (${o.taskConcurrency} tasks each${o.gated ? ', gated on their PostgreSQL link' : ''})`,
    );
    return { url: balancer.url, webs, tasks, balancer, gateEvents, taskRuns, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Who the 06-27 partition cuts off, by name, and the links that does it. */
export interface PartitionShape {
  /** web workers that reach neither PostgreSQL nor Redis: the balancer's health checks take them out */
  webWorkersCutOff: string[];
  /** task workers that reach Redis but not PostgreSQL: they take tasks and, unless gated, fail them */
  taskWorkersRedisOnly: string[];
  links: FaultLink[];
}

/**
 * The incident's shape: one task worker in four reaches Redis only (three fully connected ones for each); half
 * of the web workers (at least one, never all) reach nothing.
 */
export function incidentShape(t: Pick<Topology, 'webs' | 'tasks'>): PartitionShape {
  if (t.webs.length < 2)
    throw new UserError('the partition needs at least 2 web workers: one is cut off, the others keep serving');
  if (t.tasks.length < 2)
    throw new UserError('the partition needs at least 2 task workers: one reaches Redis only, the others both');
  const webs = t.webs.slice(t.webs.length - Math.max(1, Math.floor(t.webs.length / 2)));
  // every fourth worker, or the last one when there are fewer than four
  const every4th = t.tasks.filter((_, i) => i % 4 === 3);
  const tasks = every4th.length ? every4th : [t.tasks[t.tasks.length - 1]];
  return {
    webWorkersCutOff: webs.map((w) => w.name),
    taskWorkersRedisOnly: tasks.map((w) => w.name),
    links: [...webs.flatMap((w) => [w.postgres, w.redis]), ...tasks.map((w) => w.postgres)],
  };
}
