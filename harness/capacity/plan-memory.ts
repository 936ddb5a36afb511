import type { PlanNode } from '../../shop/explain.ts';

/**
 * What a plan's nodes needed in memory, read from EXPLAIN (ANALYZE, FORMAT JSON): a sort's "Sort Space Used", a
 * hash's or hashed aggregate's "Peak Memory Usage", a materialisation's "Maximum Storage". Each node has a limit of
 * its own: work_mem for sorts and materialisations, work_mem x hash_mem_multiplier for hash tables (PostgreSQL 15
 * on). A node over its limit writes to temp files: a sort merges from disk, a hash splits into batches.
 */
export interface NodeMemory {
  /** node type with what it works on, the same across sizes while the plan keeps its shape: "Hash of pretixbase_quota_items" */
  label: string;
  type: string;
  /** kB in memory; on disk (a spilled sort's "Sort Space Used" is then the disk's) when `spilled` */
  memory_kb: number;
  /** whether the node's limit is work_mem x hash_mem_multiplier (hash tables) or work_mem alone */
  hash_limit: boolean;
  spilled: boolean;
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** the first relation under a node, depth first: what a hash is built from, what a sort sorts the rows of */
function firstRelation(n: PlanNode): string | null {
  if (typeof n['Relation Name'] === 'string') return n['Relation Name'];
  for (const c of n.Plans ?? []) {
    const r = firstRelation(c);
    if (r) return r;
  }
  return null;
}

/** The memory figure of one node, or null for a node that reports none. */
export function nodeMemory(n: PlanNode): NodeMemory | null {
  const type = n['Node Type'];
  let kb: number | null = null;
  let hash = false;
  let spilled = false;
  if (type === 'Sort') {
    kb = num(n['Sort Space Used']);
    spilled = n['Sort Space Type'] === 'Disk';
  } else if (type === 'Hash' || type === 'Aggregate' || type === 'Memoize') {
    kb = num(n['Peak Memory Usage']);
    hash = true;
    spilled =
      (num(n['Hash Batches']) ?? 1) > 1 || (num(n['HashAgg Batches']) ?? 0) > 1 || (num(n['Disk Usage']) ?? 0) > 0;
  } else if (type === 'Incremental Sort') {
    // each group of rows equal on the presorted keys is sorted apart: the largest group's sort is the need
    const peaks = ['Full-sort Groups', 'Pre-sorted Groups'].flatMap((g) => {
      const grp = n[g] as Record<string, { 'Peak Sort Space Used'?: unknown } | undefined> | undefined;
      const mem = num(grp?.['Sort Space Memory']?.['Peak Sort Space Used']);
      const disk = num(grp?.['Sort Space Disk']?.['Peak Sort Space Used']);
      if (disk !== null) spilled = true;
      return [mem, disk].filter((v): v is number => v !== null);
    });
    kb = peaks.length ? Math.max(...peaks) : null;
  } else if (typeof n.Storage === 'string') {
    kb = num(n['Maximum Storage']);
    spilled = n.Storage === 'Disk';
  }
  if (kb === null) return null;
  const rel = firstRelation(n);
  return { label: rel ? `${type} of ${rel}` : type, type, memory_kb: kb, hash_limit: hash, spilled };
}

/** every node of the plan with a memory figure, top down */
export function memoryNodes(top: PlanNode): NodeMemory[] {
  const out: NodeMemory[] = [];
  const walk = (n: PlanNode) => {
    const m = nodeMemory(n);
    if (m) out.push(m);
    for (const c of n.Plans ?? []) walk(c);
  };
  walk(top);
  return out;
}

/**
 * The node that decides whether the query spills: one that did spill (the largest such), else the one closest to
 * its own limit (a hash may use more kB than a sort and still be further from its larger limit).
 */
export function hungriestNode(top: PlanNode, hashMemMultiplier: number): NodeMemory | null {
  const nodes = memoryNodes(top);
  const spilled = nodes.filter((n) => n.spilled);
  const pool = spilled.length ? spilled : nodes;
  const share = (n: NodeMemory) => n.memory_kb / (n.hash_limit ? hashMemMultiplier : 1);
  return pool.reduce<NodeMemory | null>((best, n) => (best === null || share(n) > share(best) ? n : best), null);
}

/** "4MB", "64kB", "1GB" (SHOW work_mem) in kB; null when not a size */
export function settingKb(value: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*(B|kB|MB|GB|TB)?$/.exec(value.trim());
  if (!m) return null;
  const scale: Record<string, number> = { B: 1 / 1024, kB: 1, MB: 1024, GB: 1024 ** 2, TB: 1024 ** 3 };
  return Number(m[1]) * scale[m[2] ?? 'kB'];
}
