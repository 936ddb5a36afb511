import pg from 'pg';
import { explainProductList, type ExplainResult } from '../../shop/explain.ts';
import type { Variant } from '../../shop/queries/product-list.ts';
import { hungriestNode, settingKb, type NodeMemory } from './plan-memory.ts';
import type { PlanMemory, PlanRuns } from './types.ts';
import { median } from './repeats.ts';

/** EXPLAIN ANALYZE runs per work_mem (the median is kept): one run is one neighbour's burst on a shared machine */
export const PLAN_RUNS = 3;
/**
 * The lowered limit as a share of what the node needed: a hash then splits in about two batches, as at a size that
 * has just outgrown its limit (a sort below its need spills whole at any limit). A quarter would write more of the
 * hash out than a first spill does and overstate its cost.
 */
export const LOWERED_SHARE = 0.6;
/** PostgreSQL's smallest work_mem */
const MIN_WORK_MEM_KB = 64;
/** each run is bounded: a query that spills for longer than this is cancelled and the figure left out */
const STATEMENT_TIMEOUT_S = 15;
const STATEMENT_TIMEOUT = `${STATEMENT_TIMEOUT_S}s`;
/** the probe's bound: the warm-up and the runs at both work_mem settings, each at most the timeout */
export const PLAN_BUDGET_S = (2 * PLAN_RUNS + 1) * STATEMENT_TIMEOUT_S;

const r1 = (n: number) => Math.round(n * 10) / 10;

/** the lowered work_mem that puts the node's limit at LOWERED_SHARE of what it needed */
export function loweredWorkMemKb(
  node: Pick<NodeMemory, 'memory_kb' | 'hash_limit'>,
  hashMemMultiplier: number,
): number {
  const limit = node.memory_kb * LOWERED_SHARE;
  return Math.max(MIN_WORK_MEM_KB, Math.floor(node.hash_limit ? limit / hashMemMultiplier : limit));
}

async function serverMemorySettings(dbUrl: string): Promise<{ workMemKb: number; hashMemMultiplier: number }> {
  const client = new pg.Client({ connectionString: dbUrl, application_name: 'loadlab-capacity-memory' });
  client.on('error', () => {});
  await client.connect();
  try {
    const wm = (await client.query<{ work_mem: string }>('SHOW work_mem')).rows[0].work_mem;
    const hm = (await client.query<{ hash_mem_multiplier: string }>('SHOW hash_mem_multiplier')).rows[0];
    const workMemKb = settingKb(wm);
    if (workMemKb === null) throw new Error(`work_mem '${wm}' is not a size`);
    return { workMemKb, hashMemMultiplier: Number(hm.hash_mem_multiplier) || 1 };
  } finally {
    await client.end().catch(() => {});
  }
}

interface Probe {
  dbUrl: string;
  variant: Variant;
  subeventId: number;
  tempFileLimit?: string;
  signal: AbortSignal;
}

/** PLAN_RUNS runs at one work_mem (null: the server's), the first after a warm-up; their figures and the node */
async function timedRuns(
  p: Probe,
  workMemKb: number,
  lowered: boolean,
  hashMemMultiplier: number,
): Promise<{ runs: PlanRuns; node: NodeMemory | null }> {
  const results: ExplainResult[] = [];
  for (let i = 0; i < PLAN_RUNS; i++) {
    p.signal.throwIfAborted();
    const localSettings: Record<string, string> = { statement_timeout: STATEMENT_TIMEOUT };
    if (lowered) localSettings.work_mem = `${workMemKb}kB`;
    results.push(
      await explainProductList(p.dbUrl, p.variant, p.subeventId, {
        warmup: i === 0,
        tempFileLimit: p.tempFileLimit,
        localSettings,
      }),
    );
  }
  const last = results.at(-1)!;
  const node = hungriestNode(last.plan.Plan, hashMemMultiplier);
  const runsMs = results.map((r) => r1(r.execution_ms));
  return {
    node,
    runs: {
      work_mem_kb: workMemKb,
      node: node?.label ?? null,
      memory_kb: node?.memory_kb ?? null,
      limit_kb: node?.hash_limit ? workMemKb * hashMemMultiplier : workMemKb,
      spilled: node?.spilled ?? false,
      temp_blocks_written: last.temp_blocks_written,
      execution_ms: r1(median(runsMs)),
      runs_ms: runsMs,
    },
  };
}

/**
 * The product-list query alone on the idle database (before a point's search): its hungriest node at the server's
 * work_mem, then, when that node stayed in memory, with work_mem lowered for this query alone so it spills. A
 * failure (a cancelled run, a temp-file limit) is returned as null with its reason: the sweep goes on without the
 * figure. A stop of the run is thrown.
 */
export async function measurePlanMemory(p: Probe): Promise<{ memory: PlanMemory | null; error: string | null }> {
  try {
    const { workMemKb, hashMemMultiplier } = await serverMemorySettings(p.dbUrl);
    const at = await timedRuns(p, workMemKb, false, hashMemMultiplier);
    const base = { subevent_id: p.subeventId, hash_mem_multiplier: hashMemMultiplier, at_work_mem: at.runs };
    if (!at.node)
      return { memory: { ...base, lowered: null, note: 'no node of the plan reports memory' }, error: null };
    if (at.node.spilled)
      return {
        memory: {
          ...base,
          lowered: null,
          note: `${at.node.label} spilled already at work_mem ${workMemKb} kB: what it needs in memory is not shown`,
        },
        error: null,
      };
    const low = await timedRuns(p, loweredWorkMemKb(at.node, hashMemMultiplier), true, hashMemMultiplier);
    const same = low.runs.node === at.runs.node;
    const note = !same
      ? `with work_mem lowered the plan changed (${low.runs.node ?? 'no memory node'} instead of ${at.runs.node})`
      : low.runs.spilled
        ? null
        : `${at.runs.node} did not spill with work_mem ${low.runs.work_mem_kb} kB`;
    return { memory: { ...base, lowered: low.runs, note }, error: null };
  } catch (e) {
    if (p.signal.aborted) throw e;
    return { memory: null, error: e instanceof Error ? e.message : String(e) };
  }
}
