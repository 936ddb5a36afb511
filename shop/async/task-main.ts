// A task worker of load:partition: runs cart adds and checkouts from the Redis queue. SHOP_TASK_GATE=on is the
// 06-27 fix (take tasks only while PostgreSQL answers). Prints "task worker NAME ready" once it takes tasks.
import { startTaskWorker } from './task-worker.ts';
import { refuse, serveUntilSignal, workerEnv } from './process.ts';

const env = workerEnv([
  'SHOP_DATABASE_URL',
  'SHOP_REDIS_URL',
  'SHOP_QUEUE_PREFIX',
  'SHOP_WORKER_NAME',
  'SHOP_TASK_CONCURRENCY',
  'SHOP_TASK_GATE',
] as const);
const concurrency = Number(env.SHOP_TASK_CONCURRENCY);
if (!Number.isInteger(concurrency) || concurrency < 1)
  refuse(`SHOP_TASK_CONCURRENCY '${env.SHOP_TASK_CONCURRENCY}' is not a whole number >= 1`);

const worker = await startTaskWorker({
  name: env.SHOP_WORKER_NAME,
  databaseUrl: env.SHOP_DATABASE_URL,
  redisUrl: env.SHOP_REDIS_URL,
  prefix: env.SHOP_QUEUE_PREFIX,
  concurrency,
  gated: env.SHOP_TASK_GATE === 'on',
  log: (line) => process.stdout.write(`${line}\n`),
});
serveUntilSignal(() => worker.close());
process.stdout.write(`task worker ${env.SHOP_WORKER_NAME} ready\n`);
