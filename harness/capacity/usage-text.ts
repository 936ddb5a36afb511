import type { Bottleneck, PlanMemory, SoloTime, StepUsage } from './types.ts';

const pct = (f: number | null) => (f === null ? 'n/a' : `${Math.round(f * 100)} %`);
const cores = (c: number | null) => (c === null ? 'n/a' : c.toFixed(2));
const mbs = (b: number | null) => (b === null ? 'n/a' : (b / 1024 / 1024).toFixed(1));

/** The figures behind a bottleneck, as table columns: the same order in capacity.md and review.md. */
export const USAGE_HEADERS = [
  'Machine CPU',
  'DB cores',
  'Shop cores',
  'Runner cores',
  'DB statements running',
  'of which on I/O',
  'Temp MB/s',
  'Read MB/s',
];

export function usageCells(u: StepUsage | null | undefined): string[] {
  if (!u) return USAGE_HEADERS.map(() => 'n/a');
  return [
    pct(u.machine_cpu_busy),
    cores(u.db_cpu_cores),
    cores(u.shop_cpu_cores),
    cores(u.runner_cpu_cores),
    u.db_active_statements === null ? 'n/a' : u.db_active_statements.toFixed(1),
    u.db_io_waiting === null ? 'n/a' : u.db_io_waiting.toFixed(1),
    mbs(u.db_temp_bytes_per_s),
    mbs(u.db_read_bytes_per_s),
  ];
}

export function bottleneckText(b: Bottleneck | null | undefined): string {
  if (!b) return 'not measured (no step has figures)';
  return `${b.kind}: ${b.reason} (at ${Math.round(b.at_visitors_per_min).toLocaleString('en-US')} visitors/min, ${b.dropped_iterations} dropped iterations)`;
}

/** one product list alone before the point's search: "225.6 / 273.3 ms (10)", the request count in brackets */
export function soloText(s: SoloTime | null | undefined): string {
  if (s === undefined) return 'not measured';
  if (s === null) return 'no answer';
  return `${s.p50_ms} / ${s.p95_ms} ms (${s.requests})`;
}

const kb = (n: number) => `${Math.round(n).toLocaleString('en-US')} kB`;

/**
 * the query alone at one size: "Hash of pretixbase_quota_items 3,512 kB of its 8,192 kB limit, 90.5 ms; work_mem
 * 1,053 kB: spilled, 212.4 ms, 1,234 temp blocks"
 */
export function planMemoryText(m: PlanMemory | null | undefined): string {
  if (m === undefined) return 'not measured';
  if (m === null) return 'the probe failed';
  const w = m.at_work_mem;
  if (w.node === null) return `no node reports memory, ${w.execution_ms} ms`;
  const head = `${w.node} ${kb(w.memory_kb ?? 0)}${w.spilled ? ' on disk' : ''} (limit ${kb(w.limit_kb)}), ${w.execution_ms} ms${w.spilled ? `, ${w.temp_blocks_written} temp blocks` : ''}`;
  const low = m.lowered;
  const lowered = low
    ? `; work_mem ${kb(low.work_mem_kb)}: ${low.spilled ? 'spilled' : 'in memory'}, ${low.execution_ms} ms, ${low.temp_blocks_written} temp blocks`
    : '';
  return `${head}${lowered}${m.note ? ` (${m.note})` : ''}`;
}
