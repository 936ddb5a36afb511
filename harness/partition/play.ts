import { UserError } from '../../common/user-error.ts';
import type { PartitionShape, ShopWorker } from './topology.ts';
import type { PartitionPhase } from './types.ts';

export interface PlayedTimeline {
  loadStartMs: number;
  cutMs: number;
  healedMs: number;
}

/** Page requests the web workers have answered so far (their Prometheus counters), without asking the balancer. */
async function pagesServed(webs: ShopWorker[]): Promise<number> {
  let total = 0;
  for (const w of webs) {
    const text = await (await fetch(`${w.url}/metrics`, { signal: AbortSignal.timeout(2_000) })).text().catch(() => '');
    for (const m of text.matchAll(/^shop_http_requests_total\{[^}]*route="(?:calendar|product-list)"[^}]*\} (\d+)$/gm))
      total += Number(m[1]);
  }
  return total;
}

/** Resolves at `at` (epoch ms), or rejects as soon as the load run ends first. */
function until(at: number, runnerEnded: Promise<unknown>, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, Math.max(0, at - Date.now()));
    void runnerEnded.then(() => {
      clearTimeout(t);
      reject(new UserError(`the load run ended before ${what}`));
    });
  });
}

/**
 * Plays the partition on the harness's clock while the load runs: waits for the first visitor to reach a web
 * worker, lets the baseline run, cuts the shape's links, heals them after the partition phase. The load script
 * knows nothing of this; requests are put into phases afterwards by the times recorded here.
 */
export async function playPartition(
  webs: ShopWorker[],
  shape: PartitionShape,
  phases: Record<PartitionPhase, number>,
  runnerEnded: Promise<unknown>,
  log: (line: string) => void,
): Promise<PlayedTimeline> {
  const before = await pagesServed(webs);
  let ended = false;
  void runnerEnded.then(() => (ended = true));
  const waitUntil = Date.now() + 60_000;
  while ((await pagesServed(webs)) <= before) {
    if (ended) throw new UserError('the load run ended before any visitor arrived');
    if (Date.now() > waitUntil) throw new UserError('no visitor reached the shop within 60 s of starting the load run');
    await new Promise((r) => setTimeout(r, 100));
  }
  const loadStartMs = Date.now();
  await until(loadStartMs + phases.baseline * 1000, runnerEnded, 'the partition');
  for (const l of shape.links) l.cut();
  const cutMs = Date.now();
  log(
    `partition: cut ${shape.links.length} links (web workers reaching nothing: ${shape.webWorkersCutOff.join(', ')}; task workers reaching Redis only: ${shape.taskWorkersRedisOnly.join(', ')})`,
  );
  await until(cutMs + phases.partition * 1000, runnerEnded, 'the network healed');
  for (const l of shape.links) l.restore();
  const healedMs = Date.now();
  log('partition: healed, recovery');
  return { loadStartMs, cutMs, healedMs };
}
