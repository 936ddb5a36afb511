import { Redis } from 'ioredis';
import { Worker, WaitingError, type Job } from 'bullmq';
import { createPool, isConnectionBroken } from '../db.ts';
import { FAILURE, TASK_QUEUE, type TaskAnswer, type TaskData } from './jobs.ts';
import { PostgresLinkGate } from './link-gate.ts';
import { runTask, TaskFailure } from './run-task.ts';

export interface TaskWorkerOptions {
  name: string;
  databaseUrl: string;
  redisUrl: string;
  /** Redis key prefix of the queue, so runs never share jobs */
  prefix: string;
  /** tasks at a time, each on its own database connection (a Celery worker's processes) */
  concurrency: number;
  /** the 06-27 fix: take tasks only while PostgreSQL answers (load:partition's `after`) */
  gated: boolean;
  log: (line: string) => void;
}

export interface RunningTaskWorker {
  close(): Promise<void>;
}

/** Connection-level failures: the link to PostgreSQL is gone or silent, which says nothing about the task itself. */
function linkLost(err: unknown): boolean {
  const cause = err instanceof TaskFailure ? err.cause : err;
  if (!(cause instanceof Error)) return false;
  return (
    isConnectionBroken(cause) ||
    /timeout exceeded when trying to connect|connection timeout|ECONNREFUSED|ETIMEDOUT/.test(cause.message)
  );
}

/**
 * A task worker: takes cart adds and checkouts from the queue and runs them. Its database connections give up
 * on a silent link: a connection that does not answer within 1 s, a query within 6 s (the server's own limits
 * are shorter, so a merely slow query ends on the server first); the server frees a silent client's locks after
 * 10 s. How fast a task fails matters for who takes the next one: BullMQ's fetch loop stops fetching after a
 * take that found the queue empty until one of the worker's running tasks ends, so a worker whose tasks hang
 * longer takes fewer of them (with a 3 s connect limit the Redis-only workers took 20 % instead of 25 %).
 */
export async function startTaskWorker(o: TaskWorkerOptions): Promise<RunningTaskWorker> {
  const pool = createPool({
    databaseUrl: o.databaseUrl,
    poolSize: o.concurrency,
    acquireTimeoutMs: 1_000,
    statementTimeoutMs: 5_000,
    queryTimeoutMs: 6_000,
    idleInTransactionTimeoutMs: 10_000,
  });
  const gate = o.gated
    ? new PostgresLinkGate({
        databaseUrl: o.databaseUrl,
        onChange: (open, reason) => {
          o.log(
            open
              ? `${o.name}: postgres link back (${reason}): taking tasks again`
              : `${o.name}: postgres link down (${reason}): not taking tasks`,
          );
          void (open ? worker.resume() : worker.pause(true));
        },
      })
    : undefined;

  // Hands a task back untouched, for a worker that can reach PostgreSQL (it does not count as an attempt).
  const handBack = async (job: Job<TaskData, TaskAnswer>, token: string | undefined): Promise<never> => {
    await job.moveToWait(token);
    o.log(`${o.name}: ran ${job.id}: handed back`);
    throw new WaitingError();
  };

  const connection = new Redis(o.redisUrl, { maxRetriesPerRequest: null });
  const worker = new Worker<TaskData, TaskAnswer>(
    TASK_QUEUE,
    async (job, token) => {
      if (gate && !gate.open) return handBack(job, token);
      try {
        return await runTask(pool, job.data);
      } catch (err) {
        // a task that lost the link before its COMMIT wrote nothing: with the fix, another worker runs it
        if (gate && err instanceof TaskFailure && err.kind === FAILURE.rolledBack && linkLost(err)) {
          gate.close(err.message);
          return handBack(job, token);
        }
        throw err;
      }
    },
    // a job whose worker vanished may have committed: fail it rather than run it twice
    { connection, prefix: o.prefix, concurrency: o.concurrency, autorun: false, maxStalledCount: 0, name: o.name },
  );
  worker.on('error', (err) => o.log(`${o.name}: queue error: ${err.message}`));
  // one line per run, so whoever watches can tell which worker ran what, when, and how it ended
  worker.on('completed', (job) => o.log(`${o.name}: ran ${job.id}: completed`));
  worker.on('failed', (job) => o.log(`${o.name}: ran ${job?.id}: failed`));
  gate?.start();
  void worker.run();
  await worker.waitUntilReady();

  return {
    close: async () => {
      await gate?.stop();
      // running tasks may finish (their links are back by now); a worker that cannot is closed anyway
      const closing = worker.close();
      const graceful = await Promise.race([
        closing.then(() => true),
        new Promise<boolean>((r) => setTimeout(() => r(false), 8_000).unref()),
      ]);
      if (!graceful) await worker.close(true);
      await pool.end().catch(() => {});
      connection.disconnect();
    },
  };
}
