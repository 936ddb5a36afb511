import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Phase, PhaseDelta, ProductListDelta, QueryDelta, RatePoint, Sample, StatementCounters } from './types.ts';
import { addCounters, zeroCounters } from './sources/statements.ts';

/** Reads a sampler's NDJSON file. A torn last line (a process killed mid-write) is skipped, not fatal. */
export async function readSamples(file: string): Promise<Sample[]> {
  const samples: Sample[] = [];
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.trim()) continue;
    try {
      samples.push(JSON.parse(line) as Sample);
    } catch {
      /* only an interrupted final write can leave a partial line */
    }
  }
  return samples.sort((a, b) => a.ts_ms - b.ts_ms);
}

export interface DeltaOptions {
  /** the product-list variant whose pg_stat_statements row is reported; default: all matched variants summed */
  variant?: string;
}

type Getter = (s: Sample) => number | null | undefined;

/**
 * How far a counter went up from sample a to sample b (indexes into the sorted list), summed step by step over
 * the samples between that have it. A step where the counter went down means it was reset (pg_stat_reset, a
 * restarted server, an evicted pg_stat_statements entry): that step adds the new value, i.e. what was counted
 * since the reset. Null when fewer than two of the samples have the counter.
 */
function increase(samples: Sample[], a: number, b: number, get: Getter): number | null {
  let prev: number | null = null;
  let total = 0;
  let steps = 0;
  let seen = 0;
  for (let i = a; i <= b; i++) {
    const v = get(samples[i]);
    if (v === null || v === undefined) continue;
    seen++;
    if (prev !== null) {
      total += v >= prev ? v - prev : v;
      steps++;
    }
    prev = v;
  }
  if (seen === 0) return null;
  // one sample with the counter: it did not move as far as we can tell
  return steps === 0 ? 0 : total;
}

/** The last sample at or before t (or the first sample, when all are later). */
function anchor(samples: Sample[], t: number): number {
  let idx = 0;
  for (let i = 0; i < samples.length; i++) {
    if (samples[i].ts_ms <= t) idx = i;
    else break;
  }
  return idx;
}

function variantRow(s: Sample, variant: string | undefined): StatementCounters | null | undefined {
  if (!s.statements) return s.statements === undefined ? undefined : null;
  if (variant !== undefined) return s.statements[variant] ?? zeroCounters();
  const rows = Object.values(s.statements);
  const sum = zeroCounters();
  for (const r of rows) addCounters(sum, r);
  return sum;
}

const roundTo = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

/**
 * Per-phase deltas of the cumulative counters.
 *
 * Interpolation: none (sample and hold). A phase runs from the last sample at or before its start to the last
 * sample at or before its end, so a counter's value at a boundary is the one last sampled, up to one interval
 * old. Adjacent phases share their boundary sample, so their deltas add up exactly to the whole run's and
 * nothing is counted twice; the cost is that each boundary is late by up to one interval (plus PostgreSQL's
 * own lag: backends publish their pg_stat_database/pg_stat_io counts when they go idle, at most once a second;
 * pg_stat_statements counts at the end of each statement). With 1 s samples and phases of minutes that is
 * well under the noise; linear interpolation would invent activity spread evenly through a gap.
 * A phase starting before the first sample starts at the first sample.
 *
 * Samples whose database part failed are bridged: each counter uses the samples that have it.
 */
export function phaseDeltas(samples: Sample[], phases: Phase[], opts: DeltaOptions = {}): PhaseDelta[] {
  const sorted = [...samples].sort((a, b) => a.ts_ms - b.ts_ms);
  return phases.map((phase) => {
    if (sorted.length === 0) {
      return {
        name: phase.name,
        from_ms: null,
        to_ms: null,
        product_list_query: null,
        temp_bytes: null,
        temp_files: null,
        blks_read: null,
        blks_hit: null,
        os_read_bytes: null,
        os_write_bytes: null,
        os_rchar: null,
        os_wchar: null,
        cpu_ms: null,
        series: [],
        queries: null,
      };
    }
    const a = anchor(sorted, phase.startMs);
    const b = Math.max(a, anchor(sorted, phase.endMs));
    const inc = (get: Getter) => increase(sorted, a, b, get);

    let productList: ProductListDelta | null = null;
    const stmt = (f: keyof StatementCounters) => inc((s) => variantRow(s, opts.variant)?.[f]);
    const calls = stmt('calls');
    if (calls !== null) {
      const total = stmt('total_exec_time') ?? 0;
      productList = {
        calls,
        mean_ms: calls > 0 ? roundTo(total / calls, 3) : null,
        shared_blks_hit: stmt('shared_blks_hit') ?? 0,
        shared_blks_read: stmt('shared_blks_read') ?? 0,
        temp_blks_read: stmt('temp_blks_read') ?? 0,
        temp_blks_written: stmt('temp_blks_written') ?? 0,
        rows: stmt('rows') ?? 0,
      };
    }

    const cpu = inc((s) => s.proc?.cpu_ms);
    return {
      name: phase.name,
      from_ms: sorted[a].ts_ms,
      to_ms: sorted[b].ts_ms,
      product_list_query: productList,
      temp_bytes: inc((s) => s.database?.temp_bytes),
      temp_files: inc((s) => s.database?.temp_files),
      blks_read: inc((s) => s.database?.blks_read),
      blks_hit: inc((s) => s.database?.blks_hit),
      os_read_bytes: inc((s) => s.proc?.read_bytes),
      os_write_bytes: inc((s) => s.proc?.write_bytes),
      os_rchar: inc((s) => s.proc?.rchar),
      os_wchar: inc((s) => s.proc?.wchar),
      cpu_ms: cpu === null ? null : Math.round(cpu),
      series: rateSeries(sorted, a, b),
      queries: queryDeltas(sorted, a, b),
    };
  });
}

const QUERY_FIELDS = ['calls', 'exec_ms', 'blocks', 'temp_blocks', 'temp_written', 'rows'] as const;

/**
 * Every statement's increase from sample a to b. A statement missing from a sample that has pg_stat_statements
 * had not run yet: it counts from 0 there (the run starts from reset statistics), so calls made before its
 * first sample are not lost. Null when no sample of the phase has the statements.
 */
function queryDeltas(samples: Sample[], a: number, b: number): Record<string, QueryDelta> | null {
  const ids = new Set<string>();
  let any = false;
  for (let i = a; i <= b; i++) {
    const q = samples[i].queries;
    if (!q) continue;
    any = true;
    for (const id of Object.keys(q)) ids.add(id);
  }
  if (!any) return null;
  const out: Record<string, QueryDelta> = {};
  for (const id of ids) {
    const d = Object.fromEntries(
      QUERY_FIELDS.map((f) => [
        f,
        increase(samples, a, b, (s) => (s.queries ? Number(s.queries[id]?.[f] ?? 0) : undefined)) ?? 0,
      ]),
    ) as unknown as QueryDelta;
    d.exec_ms = roundTo(d.exec_ms, 3);
    if (d.calls > 0) out[id] = d;
  }
  return out;
}

/** The text of every queryid the samples name (the sampler writes each once, where it first appears). */
export function queryTexts(samples: Sample[]): Map<string, string> {
  const texts = new Map<string, string>();
  for (const s of samples) for (const [id, text] of Object.entries(s.query_texts ?? {})) texts.set(id, text);
  return texts;
}

/** One point per pair of consecutive samples in the phase: the rate over that interval, per second. */
function rateSeries(samples: Sample[], a: number, b: number): RatePoint[] {
  const points: RatePoint[] = [];
  for (let i = a + 1; i <= b; i++) {
    const prev = samples[i - 1];
    const cur = samples[i];
    const dt = (cur.ts_ms - prev.ts_ms) / 1000;
    if (dt <= 0) continue;
    const rate = (get: Getter) => {
      const v = increase(samples, i - 1, i, get);
      // a sample missing the counter on either side leaves a gap in the chart, not a zero
      if (v === null || get(prev) == null || get(cur) == null) return null;
      return roundTo(v / dt, 1);
    };
    points.push({
      t_ms: cur.ts_ms,
      temp_bytes_per_s: rate((s) => s.database?.temp_bytes),
      blks_read_per_s: rate((s) => s.database?.blks_read),
      blks_hit_per_s: rate((s) => s.database?.blks_hit),
      os_read_bytes_per_s: rate((s) => s.proc?.read_bytes),
      os_write_bytes_per_s: rate((s) => s.proc?.write_bytes),
      active_connections: cur.activity?.active ?? null,
    });
  }
  return points;
}
