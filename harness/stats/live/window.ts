import { STRESSED_BUSY } from '../statement-diagnosis.ts';
import type { ActivitySample, CounterSnapshot, StatementCounters } from './types.ts';

/** What one server did over the last window: activity samples and counter increases. */
export interface WindowFigures {
  samples: ActivitySample[];
  /** each statement's increase over the window (null without pg_stat_statements) */
  statements: Map<string, StatementCounters> | null;
  /** per statement, its counters summed over the calm intervals seen so far: its cost before any stress */
  calm: Map<string, StatementCounters>;
  /** seconds the counter increases span */
  span_s: number;
  temp_bytes: number | null;
  io_read_bytes: number | null;
  io_write_bytes: number | null;
}

const add = (into: StatementCounters, d: StatementCounters) => {
  into.calls += d.calls;
  into.exec_ms += d.exec_ms;
  into.blocks += d.blocks;
  into.temp_blocks += d.temp_blocks;
  into.temp_written += d.temp_written;
};

/**
 * later - earlier per statement. pg_stat_statements makes an entry when a statement first ends, so one missing
 * from `earlier` ran only since; one whose calls went down was evicted or reset and counts from 0.
 */
export function statementDeltas(
  later: Map<string, StatementCounters>,
  earlier: Map<string, StatementCounters>,
): Map<string, StatementCounters> {
  const out = new Map<string, StatementCounters>();
  for (const [fp, l] of later) {
    const e = earlier.get(fp);
    const reset = !e || l.calls < e.calls;
    const d: StatementCounters = reset
      ? { ...l }
      : {
          calls: l.calls - e.calls,
          exec_ms: Math.max(0, l.exec_ms - e.exec_ms),
          blocks: Math.max(0, l.blocks - e.blocks),
          temp_blocks: Math.max(0, l.temp_blocks - e.temp_blocks),
          temp_written: Math.max(0, l.temp_written - e.temp_written),
        };
    if (d.calls > 0) out.set(fp, d);
  }
  return out;
}

const diff = (a: number | null, b: number | null | undefined) => (a === null || b == null ? null : Math.max(0, a - b));

/**
 * The rolling window of one server: activity samples and counter snapshots of the last window_s, and the calm
 * reference (every interval whose own samples averaged under one running statement adds its increases there).
 */
export class RollingWindow {
  private samples: ActivitySample[] = [];
  private snapshots: CounterSnapshot[] = [];
  private readonly calm = new Map<string, StatementCounters>();
  private lastIntervalAt = 0;

  constructor(private readonly windowMs: number) {}

  addSample(s: ActivitySample): void {
    this.samples.push(s);
  }

  addSnapshot(s: CounterSnapshot): void {
    const prev = this.snapshots.at(-1);
    if (prev?.statements && s.statements) {
      const own = this.samples.filter((x) => x.at > this.lastIntervalAt);
      const running = own.length > 0 ? own.reduce((n, x) => n + x.active.length, 0) / own.length : 0;
      if (running < STRESSED_BUSY) {
        for (const [fp, d] of statementDeltas(s.statements, prev.statements)) {
          const c = this.calm.get(fp) ?? { calls: 0, exec_ms: 0, blocks: 0, temp_blocks: 0, temp_written: 0 };
          add(c, d);
          this.calm.set(fp, c);
        }
      }
    }
    this.lastIntervalAt = s.at;
    this.snapshots.push(s);
    const from = s.at - this.windowMs;
    // keep one snapshot at or before the window's start: the window's increases are counted from it
    while (this.snapshots.length > 1 && this.snapshots[1].at <= from) this.snapshots.shift();
    this.samples = this.samples.filter((x) => x.at > from);
  }

  /** after a server came back: its counters may have been reset, and the gap is no window to average over */
  restart(): void {
    this.samples = [];
    this.snapshots = [];
  }

  figures(): WindowFigures {
    const first = this.snapshots[0];
    const last = this.snapshots.at(-1);
    const two = first && last && first !== last;
    return {
      samples: this.samples,
      statements:
        two && last.statements
          ? statementDeltas(last.statements, first.statements ?? new Map())
          : last?.statements
            ? new Map()
            : null,
      calm: this.calm,
      span_s: two ? (last.at - first.at) / 1000 : 0,
      temp_bytes: two ? diff(last.temp_bytes, first.temp_bytes) : null,
      io_read_bytes: two ? diff(last.io_read_bytes, first.io_read_bytes) : null,
      io_write_bytes: two ? diff(last.io_write_bytes, first.io_write_bytes) : null,
    };
  }
}
