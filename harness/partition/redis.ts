import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { UserError } from '../../common/user-error.ts';
import { freeLoopbackPort } from '../process/ports.ts';
import { stateDir } from '../files/paths.ts';
import { onCleanup } from '../process/cleanup.ts';
import { debianProgram, startGuarded } from '../process/guarded.ts';

export interface RedisServer {
  url: string;
  /** false with REDIS_URL: someone else's Redis, which we only use */
  owned: boolean;
  version: string;
  /** how our redis-server ended if it ends without stop(); null for a REDIS_URL, which is not ours to watch */
  unexpectedEnd: Promise<string> | null;
  stop(): Promise<void>;
}

function checkUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new UserError(`REDIS_URL '${raw}' is not a URL (accepted: redis://[:password@]host:port[/db])`);
  }
  if (u.protocol !== 'redis:')
    throw new UserError(`REDIS_URL scheme '${u.protocol}' is not supported (accepted: redis://)`);
  return u.toString();
}

async function serverVersion(url: string): Promise<string> {
  const c = new Redis(url, {
    maxRetriesPerRequest: 1,
    connectTimeout: 5_000,
    lazyConnect: true,
    retryStrategy: () => null,
  });
  c.on('error', () => {});
  try {
    await c.connect();
    const info = await c.info('server');
    return /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
  } catch (err) {
    throw new UserError(`cannot reach Redis at ${url}: ${(err as Error).message}`);
  } finally {
    c.disconnect();
  }
}

/** Data folders of servers whose harness was killed before it could remove them (named PORT-PID). */
function removeAbandoned(root: string): void {
  if (!existsSync(root)) return;
  for (const entry of readdirSync(root)) {
    const pid = Number(entry.split('-')[1]);
    if (!Number.isInteger(pid) || pid <= 0) continue;
    try {
      process.kill(pid, 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH')
        rmSync(path.join(root, entry), { recursive: true, force: true });
    }
  }
}

/**
 * The task queue's Redis: REDIS_URL when set (used, never flushed: every run keys its queue by its run id),
 * else Debian's redis-server started here like the embedded PostgreSQL: a free loopback port, a data folder of
 * its own (removed on stop), no persistence, and never outliving the harness.
 */
export async function openRedis(log: (line: string) => void): Promise<RedisServer> {
  const external = process.env.REDIS_URL?.trim();
  if (external) {
    const url = checkUrl(external);
    return { url, owned: false, version: await serverVersion(url), unexpectedEnd: null, stop: async () => {} };
  }
  const bin = debianProgram('/usr/bin/redis-server', 'redis-server', 'set REDIS_URL to a Redis of your own');
  const port = await freeLoopbackPort();
  const root = path.join(stateDir, 'redis');
  removeAbandoned(root);
  const dir = path.join(root, `${port}-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  // registered first, so it runs after the server's own stop (cleanups run last-in, first-out)
  const removeDir = () => rmSync(dir, { recursive: true, force: true });
  const unregister = onCleanup('redis data folder', removeDir);
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    'no',
    '--daemonize',
    'no',
    '--maxmemory-policy',
    'noeviction',
  ];
  let service: Awaited<ReturnType<typeof startGuarded>>;
  try {
    service = await startGuarded('redis-server', [bin, ...args], /Ready to accept connections/, { timeoutMs: 15_000 });
  } catch (err) {
    removeDir();
    unregister();
    throw err;
  }
  const url = `redis://127.0.0.1:${port}`;
  log(`redis-server ready on 127.0.0.1:${port}`);
  return {
    url,
    owned: true,
    version: await serverVersion(url),
    unexpectedEnd: service.unexpectedEnd,
    stop: async () => {
      await service.stop();
      removeDir();
      unregister();
    },
  };
}
