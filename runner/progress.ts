import type { ScenarioStatus } from './engine/protocol.ts';
import type { Runtime } from './runtime.ts';
import type { RateSink, TrendSink } from './metrics/sinks.ts';
import { formatDuration } from './duration.ts';

/** The live status line on a TTY: rewritten in place, gone when the run ends. */
export class Progress {
  private timer: NodeJS.Timeout | undefined;
  private lastIters = 0;
  private lastAt = performance.now();
  private rate = 0;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly rt: Runtime,
    private readonly scenarios: () => ScenarioStatus[],
  ) {}

  start(): void {
    this.timer = setInterval(() => this.draw(), 250);
    this.timer.unref();
  }

  private draw(): void {
    const now = performance.now();
    const wall = performance.timeOrigin + now;
    const m = this.rt.metrics;
    const iters = (m.iterations.sink as { count: number }).count;
    const dt = (now - this.lastAt) / 1000;
    if (dt >= 1) {
      this.rate = (iters - this.lastIters) / dt;
      this.lastIters = iters;
      this.lastAt = now;
    }
    const running = this.scenarios().filter((s) => s.startedAt > 0 && !s.stopping);
    const names = running.map((s) => s.name).join(',') || '-';
    const s = running[0];
    const elapsed = s ? wall - s.startedAt : 0;
    const total = s ? s.plannedMs : 0;
    const active = this.scenarios().reduce((a, x) => a + x.active, 0);
    const p95 = (m.http_req_duration.sink as TrendSink).percentile(95);
    const failed = (m.http_req_failed.sink as RateSink).passes;
    const dropped = (m.dropped_iterations.sink as { count: number }).count;
    const line = `${names} ${formatDuration(elapsed)}/${formatDuration(total)}  ${this.rate.toFixed(0)} it/s  VUs ${active}  p95 ${p95.toFixed(1)}ms  errors ${failed}  dropped ${dropped}`;
    this.out.write(`\r\x1b[2K${line.slice(0, (this.out.columns || 120) - 1)}`);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.out.write('\r\x1b[2K');
  }
}
