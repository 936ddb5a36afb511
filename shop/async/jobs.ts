/**
 * The shop's asynchronous actions as pretix runs them (Celery there, BullMQ here): the web worker puts a task
 * on a Redis queue and waits for its answer; a task worker runs the same queries the synchronous shop runs.
 * What both sides agree on lives here: job names and payloads, the answer, the timing, the failure reasons.
 */
import type { CartAddInput, DateRef } from '../queries/cart.ts';
import type { EventRef } from '../routes/cart.ts';

export const TASK_QUEUE = 'shop-tasks';

export interface CartAddTask {
  kind: 'cart-add';
  where: DateRef;
  input: CartAddInput;
  /** epoch ms after which the web has stopped waiting: a task not started by then is not run at all */
  deadline: number;
}

export interface CheckoutTask {
  kind: 'checkout';
  where: EventRef;
  cartId: string;
  email: string;
  deadline: number;
}

export type TaskData = CartAddTask | CheckoutTask;
export type TaskKind = TaskData['kind'];

/** A finished task's answer to the visitor: its HTTP status and body. "Sold out" (409) is an answer, not a failure. */
export interface TaskAnswer {
  status: number;
  body: unknown;
}

/** The web waits this long for a task: under the load balancer's 10 s, so the visitor gets the web's answer. */
export const TASK_WAIT_MS = 8_000;
/** Putting a task on the queue may take this long before the web answers 503 (the queue is unreachable). */
export const ENQUEUE_TIMEOUT_MS = 1_000;

/**
 * How a task failed, as the first word of its failure reason. Only a task known to have written nothing may run
 * again when the visitor retries: one that rolled back, or one that expired before it started.
 */
export const FAILURE = {
  rolledBack: 'rolled back',
  expired: 'expired',
  /** the COMMIT's answer never came: running it again could do it twice */
  unknown: 'outcome unknown',
} as const;

export function safeToRunAgain(failedReason: string | undefined): boolean {
  return (
    failedReason !== undefined &&
    (failedReason.startsWith(FAILURE.rolledBack) || failedReason.startsWith(FAILURE.expired))
  );
}

/** One job per action and idempotency key: the same key finds the same job (and its stored answer). BullMQ
 * reserves ':' in job ids, so keys keep to REQUEST_ID's characters. */
export function jobIdOf(kind: TaskKind, requestId: string): string {
  return `${kind}.${requestId}`;
}
