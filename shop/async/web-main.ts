// A web worker of load:partition: the shop's pages as today, cart add and checkout as tasks on the Redis queue.
// Started by the harness with SHOP_* settings; prints "web worker NAME listening on URL" once it serves.
import { startShop } from '../server.ts';
import { isVariant } from '../queries/product-list.ts';
import { connectTaskClient } from './task-client.ts';
import { refuse, serveUntilSignal, workerEnv } from './process.ts';

const env = workerEnv(['SHOP_DATABASE_URL', 'SHOP_REDIS_URL', 'SHOP_QUEUE_PREFIX', 'SHOP_WORKER_NAME'] as const);
const variant = process.env.SHOP_QUERY_VARIANT ?? 'after';
if (!isVariant(variant))
  refuse(`SHOP_QUERY_VARIANT '${variant}' is not a product-list variant (accepted: before, after)`);

const tasks = await connectTaskClient({ redisUrl: env.SHOP_REDIS_URL, prefix: env.SHOP_QUEUE_PREFIX });
const shop = await startShop({
  databaseUrl: env.SHOP_DATABASE_URL,
  variant,
  port: 0,
  cartActions: tasks.actions,
  healthChecks: [tasks.health],
});
serveUntilSignal(async () => {
  await shop.close();
  await tasks.close();
});
process.stdout.write(`web worker ${env.SHOP_WORKER_NAME} listening on ${shop.url}\n`);
