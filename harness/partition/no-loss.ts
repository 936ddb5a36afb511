/**
 * After a replay: is every cart position and order the tasks reported in the database, once, and nothing else?
 * The tasks' own record (BullMQ keeps each finished job's answer in Redis) is the reference: a cart add reports
 * the ids of the positions it wrote, a checkout the code of the order it placed. A row no finished task reports
 * was left by a failed task or written twice; a reported row that is gone was lost.
 */
import { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import pg from 'pg';
import { TASK_QUEUE, type TaskAnswer, type TaskData } from '../../shop/async/jobs.ts';
import type { NoLossCheck } from './types.ts';

export interface TaskRecord {
  data: TaskData;
  state: 'completed' | 'failed' | 'unfinished';
  answer?: TaskAnswer;
  failedReason?: string;
}

async function withQueue<T>(
  redisUrl: string,
  prefix: string,
  fn: (q: Queue<TaskData, TaskAnswer>) => Promise<T>,
): Promise<T> {
  const connection = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  connection.on('error', () => {});
  const queue = new Queue<TaskData, TaskAnswer>(TASK_QUEUE, { connection, prefix });
  try {
    return await fn(queue);
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

/** Every job of one replay's queue, finished or not. */
export function readTaskRecords(redisUrl: string, prefix: string): Promise<TaskRecord[]> {
  return withQueue(redisUrl, prefix, async (q) => {
    const [completed, failed, unfinished] = await Promise.all([
      q.getJobs(['completed'], 0, -1),
      q.getJobs(['failed'], 0, -1),
      q.getJobs(['waiting', 'active', 'delayed', 'prioritized'], 0, -1),
    ]);
    return [
      ...completed.map((j): TaskRecord => ({ data: j.data, state: 'completed', answer: j.returnvalue })),
      ...failed.map((j): TaskRecord => ({ data: j.data, state: 'failed', failedReason: j.failedReason })),
      ...unfinished.map((j): TaskRecord => ({ data: j.data, state: 'unfinished' })),
    ];
  });
}

/** How many jobs are still waiting or running. */
export function openTasks(redisUrl: string, prefix: string): Promise<number> {
  return withQueue(redisUrl, prefix, async (q) => {
    const c = await q.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
    return Object.values(c).reduce((s, n) => s + n, 0);
  });
}

/** Removes one replay's queue from a Redis that is not ours (REDIS_URL). */
export function dropQueue(redisUrl: string, prefix: string): Promise<void> {
  return withQueue(redisUrl, prefix, (q) => q.obliterate({ force: true }));
}

const cents = (money: string) => Math.round(Number(money) * 100);
const cartOf = (t: TaskData) => (t.kind === 'cart-add' ? t.input.cartId : t.cartId);

interface CartRecord {
  added: Set<number>;
  orders: Set<string>;
}

function byCart(tasks: TaskRecord[]): { carts: Map<string, CartRecord>; cartOfEmail: Map<string, string> } {
  const carts = new Map<string, CartRecord>();
  const cartOfEmail = new Map<string, string>();
  for (const t of tasks) {
    const id = cartOf(t.data);
    const c = carts.get(id) ?? { added: new Set<number>(), orders: new Set<string>() };
    carts.set(id, c);
    if (t.data.kind === 'checkout') cartOfEmail.set(t.data.email, id);
    if (t.state !== 'completed' || t.answer?.status !== 200) continue;
    const body = t.answer.body as { positions?: { id: number }[]; order_code?: string };
    if (t.data.kind === 'cart-add') for (const p of body.positions ?? []) c.added.add(p.id);
    else if (body.order_code) c.orders.add(body.order_code);
  }
  return { carts, cartOfEmail };
}

/**
 * Compares the database's cart positions and orders of this replay (carts named `cartPrefix`...) with the tasks'
 * record. `acknowledged` is how many asynchronous actions the visitors saw succeed.
 */
export async function checkNoLoss(
  dbUrl: string,
  cartPrefix: string,
  tasks: TaskRecord[],
  acknowledged: number,
): Promise<NoLossCheck> {
  const { carts, cartOfEmail } = byCart(tasks);
  const client = new pg.Client({ connectionString: dbUrl });
  await client.connect();
  let positions: { cart_id: string; ids: number[] }[];
  let orders: { code: string; email: string; total: string; positions: number; price_sum: string }[];
  try {
    // left() rather than LIKE: run ids hold '_', a LIKE wildcard
    positions = (
      await client.query(
        'SELECT cart_id, array_agg(id ORDER BY id) AS ids FROM pretixbase_cartposition WHERE left(cart_id, length($1)) = $1 GROUP BY cart_id',
        [cartPrefix],
      )
    ).rows;
    orders = (
      await client.query(
        `SELECT o.code, o.email, o.total::text AS total, count(op.id)::int AS positions, coalesce(sum(op.price), 0)::text AS price_sum
         FROM pretixbase_order o LEFT JOIN pretixbase_orderposition op ON op.order_id = o.id
        WHERE left(o.email, length($1)) = $1 GROUP BY o.id`,
        [cartPrefix],
      )
    ).rows;
  } finally {
    await client.end();
  }

  const check: NoLossCheck = {
    carts: carts.size,
    positions_added: 0,
    orders_placed: 0,
    lost_positions: 0,
    unaccounted_positions: 0,
    lost_orders: 0,
    unaccounted_orders: 0,
    partial_orders: 0,
    tasks: { completed: 0, failed: 0, unfinished: 0, failed_by_reason: {} },
    unacknowledged: 0,
  };
  const inCart = new Map(positions.map((p) => [p.cart_id, p.ids]));
  const ordersOf = new Map<string, typeof orders>();
  for (const o of orders) {
    const cart = cartOfEmail.get(o.email);
    if (!cart || !carts.get(cart)!.orders.has(o.code)) check.unaccounted_orders++;
    if (o.positions === 0 || cents(o.total) !== cents(o.price_sum)) check.partial_orders++;
    if (cart) ordersOf.set(cart, [...(ordersOf.get(cart) ?? []), o]);
  }
  for (const [cartId, ids] of inCart) if (!carts.has(cartId)) check.unaccounted_positions += ids.length;
  for (const [cartId, c] of carts) {
    const remaining = inCart.get(cartId) ?? [];
    const placed = (ordersOf.get(cartId) ?? []).filter((o) => c.orders.has(o.code));
    const ordered = placed.reduce((s, o) => s + o.positions, 0);
    const kept = remaining.filter((id) => c.added.has(id)).length;
    check.positions_added += c.added.size;
    check.orders_placed += c.orders.size;
    check.unaccounted_positions += remaining.length - kept;
    // every reported position is still in the cart, or went into the order its checkout placed
    const accounted = kept + ordered;
    if (accounted < c.added.size) check.lost_positions += c.added.size - accounted;
    else check.unaccounted_positions += accounted - c.added.size;
    check.lost_orders += c.orders.size - placed.length;
  }
  for (const t of tasks) {
    check.tasks[t.state]++;
    if (t.state === 'failed') {
      const reason = (t.failedReason ?? 'unknown').split(':')[0];
      check.tasks.failed_by_reason[reason] = (check.tasks.failed_by_reason[reason] ?? 0) + 1;
    }
  }
  const answered = tasks.filter((t) => t.state === 'completed' && t.answer?.status === 200).length;
  check.unacknowledged = Math.max(0, answered - acknowledged);
  return check;
}

export function lostOrDuplicated(c: NoLossCheck): number {
  return c.lost_positions + c.unaccounted_positions + c.lost_orders + c.unaccounted_orders + c.partial_orders;
}
