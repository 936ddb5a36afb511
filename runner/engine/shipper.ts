// The worker's side of the metrics path: what its sinks gathered since the last shipment, the group tree and
// the `--out` points, posted to the main thread every SHIP_INTERVAL_MS. The shipments double as the worker's
// heartbeat: a worker that stops sending them is stuck in a VU's code.
import { CounterSink, GaugeSink, TrendSink, type Sink } from '../metrics/sinks.ts';
import type { Metric, PointWriter, Registry, TagSet } from '../metrics/registry.ts';
import type { GroupNode, Runtime } from '../runtime.ts';
import type { TestRun } from '../test-run.ts';
import type { GroupShipment, PointShipment, ScenarioStatus, Shipment, SinkName, SinkShipment } from './protocol.ts';

export const SHIP_INTERVAL_MS = 100;

/** Each sink's figures as last shipped, so that a shipment carries only what was added since. */
class SinkDrainer {
  private readonly last = new Map<Sink, number[]>();
  private readonly ids = new Map<Sink, number>();

  /** The sinks with something new, the sinks named for the first time, and the trend buffers to transfer. */
  drain(registry: Registry): { sinks: SinkShipment[]; names: SinkName[]; transfer: ArrayBuffer[] } {
    const out = { sinks: [] as SinkShipment[], names: [] as SinkName[], transfer: [] as ArrayBuffer[] };
    for (const m of registry.metrics.values()) {
      this.one(out, m, m.sink, null);
      for (const s of m.submetrics) this.one(out, m, s.sink, { key: s.key, selector: s.selector, auto: s.auto });
    }
    return out;
  }

  private one(
    out: { sinks: SinkShipment[]; names: SinkName[]; transfer: ArrayBuffer[] },
    m: Metric,
    sink: Sink,
    sub: SinkName['sub'],
  ): void {
    const delta = this.delta(sink);
    if (delta === null) return;
    let id = this.ids.get(sink);
    if (id === undefined) {
      id = this.ids.size;
      this.ids.set(sink, id);
      out.names.push({ id, metric: m.name, type: m.type, contains: m.contains, sub });
    }
    out.sinks.push({ id, delta });
    if (delta instanceof Float64Array) out.transfer.push(delta.buffer as ArrayBuffer);
  }

  private delta(sink: Sink): number[] | Float64Array | null {
    if (sink instanceof TrendSink) return sink.drain();
    const last = this.last.get(sink);
    if (sink instanceof CounterSink) {
      if (!sink.seen || (last !== undefined && last[0] === sink.count)) return null;
      this.last.set(sink, [sink.count]);
      return [sink.count - (last?.[0] ?? 0)];
    }
    if (sink instanceof GaugeSink) {
      if (!sink.seen) return null;
      const now = [sink.value, sink.min, sink.max];
      if (last?.every((v, i) => v === now[i])) return null;
      this.last.set(sink, now);
      return now;
    }
    const [passes, total] = last ?? [0, 0];
    if (sink.total === total) return null;
    this.last.set(sink, [sink.passes, sink.total]);
    return [sink.passes - passes, sink.total - total];
  }
}

/** Every sample as a point, for `--out`: tag sets and metrics by number, each named once. */
export class PointForwarder implements PointWriter {
  private readonly tagIds = new WeakMap<TagSet, number>();
  private readonly metricIds = new Map<Metric, number>();
  private readonly metrics: string[] = [];
  private newTagSets: PointShipment['tagSets'] = [];
  private rows: number[] = [];
  private nextTagId = 0;

  point(m: Metric, tags: TagSet, value: number, timeMs: number): void {
    let tag = this.tagIds.get(tags);
    if (tag === undefined) {
      tag = this.nextTagId++;
      this.tagIds.set(tags, tag);
      this.newTagSets.push([tag, tags.key, tags.tags]);
    }
    let metric = this.metricIds.get(m);
    if (metric === undefined) {
      metric = this.metrics.length;
      this.metricIds.set(m, metric);
      this.metrics.push(m.name);
    }
    this.rows.push(metric, tag, value, timeMs);
  }

  take(): PointShipment | null {
    if (this.rows.length === 0) return null;
    const s: PointShipment = { tagSets: this.newTagSets, metrics: this.metrics, rows: this.rows };
    this.newTagSets = [];
    this.rows = [];
    return s;
  }
}

function groupTree(root: GroupNode): GroupShipment[] {
  const out: GroupShipment[] = [];
  const walk = (g: GroupNode, parent: string) => {
    out.push({ path: g.path, name: g.name, parent, checks: [...g.checks.values()] });
    for (const c of g.groups) walk(c, g.path);
  };
  walk(root, '');
  return out;
}

/** A number that changes whenever a check is counted or a group or check appears. */
function groupsVersion(root: GroupNode): number {
  let n = 0;
  const walk = (g: GroupNode) => {
    n += 1 + g.checks.size * 1e9;
    for (const c of g.checks.values()) n += c.passes + c.fails;
    for (const c of g.groups) walk(c);
  };
  walk(root);
  return n;
}

export function scenarioStatuses(run: TestRun): ScenarioStatus[] {
  return run.runs.map((r) => ({
    name: r.config.name,
    executor: r.config.executor,
    completed: r.completed,
    interrupted: r.interrupted,
    scheduled: r.scheduled,
    dropped: r.dropped,
    vus: r.vus.length,
    active: r.active.size,
    startedAt: r.info.startedAt === 0 ? 0 : performance.timeOrigin + r.info.startedAt,
    plannedMs: r.plannedMs,
    stopping: r.stopping,
  }));
}

/**
 * Posts a shipment every SHIP_INTERVAL_MS while the test runs, and a last one on stop(). The first sample
 * after a spell without any is shipped at once (in a microtask, with whatever the same turn adds): a VU that
 * makes one request and then never yields still has it counted. Under steady load the timer carries them.
 */
export class Shipper {
  private readonly sinks = new SinkDrainer();
  private groups = -1;
  private readonly timer: NodeJS.Timeout;
  private eager = true;

  constructor(
    private readonly run: TestRun,
    /** `transfer`: the buffers the message gives away (postMessage's transfer list) */
    private readonly post: (s: Shipment, transfer: ArrayBuffer[]) => void,
    private readonly points: PointForwarder | undefined,
  ) {
    this.timer = setInterval(() => this.ship(), SHIP_INTERVAL_MS);
    run.rt.registry.onSample = () => {
      if (!this.eager) return;
      this.eager = false;
      queueMicrotask(() => this.ship());
    };
  }

  ship(): void {
    const rt: Runtime = this.run.rt;
    const version = groupsVersion(rt.rootGroup);
    const groups = version === this.groups ? null : groupTree(rt.rootGroup);
    this.groups = version;
    const { sinks, names, transfer } = this.sinks.drain(rt.registry);
    if (sinks.length === 0) this.eager = true;
    this.post(
      {
        t: 'metrics',
        names,
        sinks,
        groups,
        points: this.points?.take() ?? null,
        scenarios: scenarioStatuses(this.run),
        iterationErrors: this.run.iterationErrors,
        abortedBy: this.run.abortedBy,
        scriptAbortCode: this.run.scriptAbortCode,
        markedFailed: this.run.markedFailed,
      },
      transfer,
    );
  }

  stop(): void {
    clearInterval(this.timer);
    this.ship();
  }
}
