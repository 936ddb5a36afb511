/**
 * Reads auto_explain's plans out of PostgreSQL's stderr log. With `auto_explain.log_format = json` each
 * executed statement leaves one entry: a first line `<prefix>LOG:  duration: 0.263 ms  plan:` and the JSON on
 * continuation lines, which the server writes with a leading tab (so an entry ends at the next line without
 * one, whatever log_line_prefix says). Each entry is written by one backend in one write, so entries of
 * concurrent sessions never interleave inside each other.
 */

/** One executed statement as auto_explain saw it. */
export interface LoggedPlan {
  /** the backend's pid, from the default log_line_prefix ('%m [%p] '); null when the prefix has no [pid] */
  pid: number | null;
  queryText: string;
  /** rows every plan node produced or read and discarded, over all its loops (see rowsProcessed) */
  rowsProcessed: number;
  /** the plan's node types and the relations and indexes they read, as a tree (see planShape) */
  shape: string;
}

export interface PlanNode {
  'Node Type'?: string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Rows Removed by Filter'?: number;
  'Rows Removed by Join Filter'?: number;
  'Rows Removed by Index Recheck'?: number;
  Plans?: PlanNode[];
}

/**
 * The work a plan did, in rows: for every node (init plans and sub plans included), the rows it returned plus
 * the rows its filters read and threw away, times its loops. EXPLAIN reports both per loop (an average), so
 * the product is the node's total. This counts what the executor touched, not how long it took: it is the
 * same on a busy machine or a quiet one, with a cold cache or a warm one, which time and buffer hits are not.
 */
export function rowsProcessed(node: PlanNode): number {
  const loops = node['Actual Loops'] ?? 0;
  const perLoop =
    (node['Actual Rows'] ?? 0) +
    (node['Rows Removed by Filter'] ?? 0) +
    (node['Rows Removed by Join Filter'] ?? 0) +
    (node['Rows Removed by Index Recheck'] ?? 0);
  let sum = Math.round(perLoop * loops);
  for (const child of node.Plans ?? []) sum += rowsProcessed(child);
  return sum;
}

/**
 * The plan's shape without its figures: `Limit(Sort(Seq Scan on pretixbase_subevent))`, children in plan
 * order separated by `; `. Node types, relations and indexes are all a reader needs to see a plan flip (a Seq
 * Scan that became an Index Scan, a Hash Join that became a Nested Loop); costs and row counts would make
 * every execution look different.
 */
export function planShape(node: PlanNode): string {
  const rel = node['Relation Name'] ? ` on ${node['Relation Name']}` : '';
  const idx = node['Index Name'] ? ` using ${node['Index Name']}` : '';
  const children = (node.Plans ?? []).map(planShape);
  return `${node['Node Type'] ?? '?'}${rel}${idx}${children.length ? `(${children.join('; ')})` : ''}`;
}

/** The nodes of a shape, one string each (`Seq Scan on t`), in plan order: what a plan difference lists. */
export function shapeNodes(shape: string): string[] {
  return shape
    .split(/[();]/)
    .map((n) => n.trim())
    .filter(Boolean);
}

const ENTRY_HEAD = /LOG:\s+duration: [0-9.]+ ms\s+plan:\s*$/;
const PID = /\[(\d+)\]/;

/** Every auto_explain JSON entry in a chunk of the log; other messages and unparsable entries are skipped. */
export function parsePlanLog(text: string): LoggedPlan[] {
  const plans: LoggedPlan[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!ENTRY_HEAD.test(lines[i])) continue;
    const head = lines[i];
    const body: string[] = [];
    while (i + 1 < lines.length && lines[i + 1].startsWith('\t')) body.push(lines[++i].slice(1));
    const plan = parseEntry(body.join('\n'));
    if (!plan) continue;
    const pid = PID.exec(head.slice(0, head.indexOf('LOG:')));
    plans.push({ pid: pid ? Number(pid[1]) : null, ...plan });
  }
  return plans;
}

function parseEntry(json: string): Omit<LoggedPlan, 'pid'> | undefined {
  try {
    const doc = JSON.parse(json) as { 'Query Text'?: string; Plan?: PlanNode };
    if (typeof doc['Query Text'] !== 'string' || !doc.Plan) return undefined;
    return { queryText: doc['Query Text'], rowsProcessed: rowsProcessed(doc.Plan), shape: planShape(doc.Plan) };
  } catch {
    // an entry cut off by a full disk or a server stop
    return undefined;
  }
}
