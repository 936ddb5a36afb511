import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { Job, Queue, QueueEvents } from 'bullmq';
import type { HealthCheck } from '../context.ts';
import { HttpError } from '../errors.ts';
import type { CartActions } from '../routes/cart.ts';
import {
  ENQUEUE_TIMEOUT_MS,
  jobIdOf,
  safeToRunAgain,
  TASK_QUEUE,
  TASK_WAIT_MS,
  type TaskAnswer,
  type TaskData,
} from './jobs.ts';

export interface TaskClient {
  /** cart add and checkout as tasks: what a web worker plugs into the shop */
  actions: CartActions;
  /** /healthz of a web worker: a worker that cannot reach the queue must not get visitors */
  health: HealthCheck;
  close(): Promise<void>;
}

function within<T>(p: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

// what ioredis says when Redis refused, closed or never answered the connection
const REDIS_DOWN =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|Connection is closed|MaxRetriesPerRequest|Stream isn't writeable|cannot be reached/;
const queueUnreachable = () =>
  new HttpError(503, 'the task queue cannot be reached, please retry', { 'retry-after': '5' });

/**
 * The web worker's side of the task queue, as pretix's AsyncAction: put the task on the queue, wait for its
 * answer (at most TASK_WAIT_MS), answer the visitor. A failed task is a 500, as the 06-27 visitors saw it.
 * The visitor's request_id names the job, so a resent request never runs an action twice: a finished task
 * answers again from its stored answer, and only a task known to have written nothing runs again.
 */
export async function connectTaskClient(o: { redisUrl: string; prefix: string }): Promise<TaskClient> {
  const connection = new Redis(o.redisUrl, { maxRetriesPerRequest: 1 });
  const eventsConnection = new Redis(o.redisUrl, { maxRetriesPerRequest: null });
  connection.on('error', () => {});
  eventsConnection.on('error', () => {});
  const queue = new Queue<TaskData, TaskAnswer>(TASK_QUEUE, { connection, prefix: o.prefix });
  const events = new QueueEvents(TASK_QUEUE, { connection: eventsConnection, prefix: o.prefix });
  queue.on('error', () => {});
  events.on('error', () => {});
  await events.waitUntilReady();

  const enqueue = async (data: TaskData, jobId: string): Promise<Job<TaskData, TaskAnswer>> => {
    const existing = await Job.fromId<TaskData, TaskAnswer>(queue, jobId);
    if (!existing) return queue.add(data.kind, data, { jobId });
    if ((await existing.getState()) === 'failed' && safeToRunAgain(existing.failedReason)) {
      await existing.updateData(data);
      await existing.retry('failed');
    }
    return existing;
  };

  const run = async (task: TaskData, requestId: string | undefined): Promise<unknown> => {
    const jobId = jobIdOf(task.kind, requestId ?? randomUUID());
    const job = await within(enqueue(task, jobId), ENQUEUE_TIMEOUT_MS, queueUnreachable).catch((err: Error) => {
      throw REDIS_DOWN.test(err.message) ? queueUnreachable() : err;
    });
    let answer: TaskAnswer;
    try {
      answer = await job.waitUntilFinished(events, Math.max(1, task.deadline - Date.now()));
    } catch (err) {
      if (/timed out before finishing/.test((err as Error).message))
        throw new HttpError(504, 'the task did not finish in time, please retry', { 'retry-after': '1' });
      throw new HttpError(500, 'internal server error, please retry');
    }
    if (answer.status === 200) return answer.body;
    throw new HttpError(
      answer.status,
      (answer.body as { error?: string } | null)?.error ?? 'the task refused the request',
    );
  };
  const deadline = () => Date.now() + TASK_WAIT_MS;

  return {
    actions: {
      add: (where, input, requestId) => run({ kind: 'cart-add', where, input, deadline: deadline() }, requestId),
      checkout: (where, cartId, email, requestId) =>
        run({ kind: 'checkout', where, cartId, email, deadline: deadline() }, requestId),
    },
    health: async () => {
      await within(connection.ping(), 1_000, queueUnreachable).catch(() => {
        throw queueUnreachable();
      });
    },
    close: async () => {
      await within(
        Promise.all([queue.close(), events.close()]),
        5_000,
        () => new Error('closing the queue timed out'),
      ).catch(() => {});
      connection.disconnect();
      eventsConnection.disconnect();
    },
  };
}
