import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { HOT_EVENT, HOT_ORGANIZER } from '../datasets/hot-series.ts';
import { UserError } from '../common/user-error.ts';
import { loadEvent } from './queries/catalog.ts';
import { productListQuery, type Variant } from './queries/product-list.ts';

export interface ExplainOptions {
  /** write the plan (with the figures, SQL and parameters) here as JSON */
  planFile?: string;
  /** run the query once before measuring, so execution time reflects a warm cache (default true) */
  warmup?: boolean;
  organizer?: string;
  event?: string;
  /** temp_file_limit for this session (e.g. '2048MB'): an EXPLAIN that runs alone may use what a pool shares */
  tempFileLimit?: string;
  /**
   * settings for this query alone (e.g. { work_mem: '512kB' }), set with SET LOCAL inside a transaction of its own,
   * so nothing else sees them: the capacity sweep times the query with a lowered work_mem to measure a spill
   */
  localSettings?: Readonly<Record<string, string>>;
}

/** One node of EXPLAIN (FORMAT JSON) output: the fields read here, the rest kept as-is. */
export interface PlanNode {
  'Node Type': string;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  'Temp Read Blocks'?: number;
  'Temp Written Blocks'?: number;
  Plans?: PlanNode[];
  [key: string]: unknown;
}

export interface ExplainPlan {
  Plan: PlanNode;
  'Planning Time': number;
  'Execution Time': number;
  [key: string]: unknown;
}

export interface ExplainResult {
  variant: Variant;
  subevent_id: number;
  execution_ms: number;
  planning_ms: number;
  /** shared hit + shared read + temp read + temp written of the plan's top node: the work, independent of cache state */
  buffers_touched: number;
  shared_hit: number;
  shared_read: number;
  temp_read: number;
  temp_blocks_written: number;
  /** the node types from the top down the first child chain, e.g. "Sort > GroupAggregate > ..." */
  plan_shape: string;
  plan: ExplainPlan;
  plan_file?: string;
}

const round = (n: number) => Math.round(n * 1000) / 1000;

/** Figures of a plan's top node, as design.md defines buffers_touched. */
export function planFigures(
  plan: ExplainPlan,
): Pick<
  ExplainResult,
  | 'execution_ms'
  | 'planning_ms'
  | 'buffers_touched'
  | 'shared_hit'
  | 'shared_read'
  | 'temp_read'
  | 'temp_blocks_written'
  | 'plan_shape'
> {
  const top = plan.Plan;
  const shared_hit = top['Shared Hit Blocks'] ?? 0;
  const shared_read = top['Shared Read Blocks'] ?? 0;
  const temp_read = top['Temp Read Blocks'] ?? 0;
  const temp_blocks_written = top['Temp Written Blocks'] ?? 0;
  const shape: string[] = [];
  for (let n: PlanNode | undefined = top; n && shape.length < 6; n = n.Plans?.[0]) shape.push(n['Node Type']);
  return {
    execution_ms: round(plan['Execution Time']),
    planning_ms: round(plan['Planning Time']),
    buffers_touched: shared_hit + shared_read + temp_read + temp_blocks_written,
    shared_hit,
    shared_read,
    temp_read,
    temp_blocks_written,
    plan_shape: shape.join(' > '),
  };
}

/**
 * EXPLAIN (ANALYZE, BUFFERS) of the product-list query for one date, with the same SQL text and bound
 * parameters the shop sends (so the planner makes the same custom plan). For the CLI, the incident run and the
 * CI gate.
 */
export async function explainProductList(
  databaseUrl: string,
  variant: Variant,
  subeventId: number,
  opts: ExplainOptions = {},
): Promise<ExplainResult> {
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'loadlab-explain' });
  client.on('error', () => {});
  await client.connect();
  try {
    const event = await loadEvent(client, opts.organizer ?? HOT_ORGANIZER.slug, opts.event ?? HOT_EVENT.slug);
    const q = productListQuery(variant, { eventId: event.eventId, subeventId, channelId: event.channelId });
    if (opts.tempFileLimit) await client.query(`SET temp_file_limit = ${pg.escapeLiteral(opts.tempFileLimit)}`);
    const run = async <R extends pg.QueryResultRow>(text: string) =>
      client.query<R>(text, q.values).catch((err: { code?: string; message?: string }) => {
        // the query spills more than the disk allows: a fact about this machine, not a bug
        if (err.code === '53400')
          throw new UserError(
            `EXPLAIN ANALYZE of the ${variant} product-list query stopped: ${err.message} (free disk space on the database's disk, or set it with LOADLAB_PG_SETTINGS=temp_file_limit=...)`,
          );
        throw err;
      });
    const local = Object.entries(opts.localSettings ?? {});
    for (const [name] of local)
      if (!/^[a-z_.]+$/.test(name)) throw new UserError(`setting name '${name}' is not valid (accepted: a-z, _ and .)`);
    if (local.length) {
      await client.query('BEGIN');
      for (const [name, value] of local) await client.query(`SET LOCAL ${name} = ${pg.escapeLiteral(value)}`);
    }
    if (opts.warmup ?? true) await run(q.text);
    const { rows } = await run<{ 'QUERY PLAN': ExplainPlan[] }>(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${q.text}`);
    // read-only: nothing to keep, and the settings end with the transaction
    if (local.length) await client.query('ROLLBACK');
    const plan = rows[0]['QUERY PLAN'][0];
    const result: ExplainResult = { variant, subevent_id: subeventId, ...planFigures(plan), plan };
    if (opts.planFile) {
      mkdirSync(path.dirname(opts.planFile), { recursive: true });
      const { plan: _p, ...figures } = result;
      writeFileSync(opts.planFile, JSON.stringify({ ...figures, sql: q.text, params: q.values, plan }, null, 2) + '\n');
      result.plan_file = opts.planFile;
    }
    return result;
  } finally {
    await client.end().catch(() => {});
  }
}
