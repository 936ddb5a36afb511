import type pg from 'pg';
import { CommitOutcomeUnknown } from '../db.ts';
import { HttpError } from '../errors.ts';
import { addToCart } from '../queries/cart.ts';
import { checkout } from '../queries/checkout.ts';
import { runTagged } from '../tagging.ts';
import { FAILURE, type TaskAnswer, type TaskData } from './jobs.ts';

/** The task failed; its message starts with one of FAILURE's words, which the web reads to decide on a re-run. */
export class TaskFailure extends Error {
  constructor(
    readonly kind: (typeof FAILURE)[keyof typeof FAILURE],
    detail: string,
    cause?: unknown,
  ) {
    super(`${kind}: ${detail}`, { cause });
    this.name = 'TaskFailure';
  }
}

/**
 * Runs one task with the synchronous shop's own queries, so the business logic stays one. A refusal the shop
 * would answer with 4xx is the task's answer; anything else fails the task, and the web answers 500.
 */
export async function runTask(pool: pg.Pool, task: TaskData): Promise<TaskAnswer> {
  if (Date.now() > task.deadline)
    throw new TaskFailure(
      FAILURE.expired,
      'the request had stopped waiting before the task started; nothing was written',
    );
  try {
    const tags = { organizer: task.where.organizer, event: task.where.event, route: task.kind };
    const body = await runTagged(tags, () =>
      task.kind === 'cart-add'
        ? addToCart(pool, task.where, task.input)
        : checkout(pool, task.where, task.cartId, task.email),
    );
    return { status: 200, body };
  } catch (err) {
    if (err instanceof HttpError) return { status: err.status, body: { error: err.message } };
    if (err instanceof CommitOutcomeUnknown) throw new TaskFailure(FAILURE.unknown, err.message, err);
    // every other error ended the transaction before its COMMIT: the rows it wrote are gone with it
    throw new TaskFailure(FAILURE.rolledBack, (err as Error)?.message ?? String(err), err);
  }
}
