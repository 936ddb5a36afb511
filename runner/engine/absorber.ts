// The main thread's side of the metrics path: the worker's shipments added to the main thread's registry and
// group tree, which the thresholds, the summary and handleSummary read, and the points handed to `--out`.
import { CounterSink, GaugeSink, RateSink, TrendSink, type Sink } from '../metrics/sinks.ts';
import { TagSet } from '../metrics/registry.ts';
import type { CheckNode, Runtime } from '../runtime.ts';
import type { GroupShipment, PointShipment, Shipment, SinkName } from './protocol.ts';

export class Absorber {
  private readonly tagSets = new Map<number, TagSet>();
  /** the main thread's sink for each id the worker named */
  private readonly sinks: Sink[] = [];

  /**
   * The checks counted before this thread's (by an earlier thread: teardown after a stopped one): a thread ships
   * its own totals, which add to these.
   */
  private readonly before = new Map<string, CheckNode>();

  constructor(private readonly rt: Runtime) {
    const walk = (g: Runtime['rootGroup']) => {
      for (const c of g.checks.values()) this.before.set(`${g.path}\0${c.name}`, { ...c });
      for (const child of g.groups) walk(child);
    };
    walk(rt.rootGroup);
  }

  absorb(s: Shipment): void {
    for (const n of s.names) this.sinks[n.id] = this.sinkOf(n);
    for (const x of s.sinks) addDelta(this.sinks[x.id], x.delta);
    if (s.groups !== null) this.groups(s.groups);
    if (s.points !== null) this.points(s.points);
  }

  private sinkOf(x: SinkName): Sink {
    const reg = this.rt.registry;
    const m = reg.metrics.get(x.metric) ?? reg.metric(x.metric, x.type, x.contains);
    return x.sub === null ? m.sink : reg.submetric(m, x.sub.key, x.sub.selector, x.sub.auto).sink;
  }

  private groups(tree: GroupShipment[]): void {
    for (const g of tree) {
      const node = g.path === '' ? this.rt.rootGroup : this.rt.group(g.path, g.name, g.parent);
      for (const c of g.checks) {
        const b = this.before.get(`${g.path}\0${c.name}`);
        node.checks.set(c.name, b === undefined ? c : { ...c, passes: b.passes + c.passes, fails: b.fails + c.fails });
      }
    }
  }

  private points(p: PointShipment): void {
    const out = this.rt.registry.output;
    for (const [id, key, tags] of p.tagSets) this.tagSets.set(id, new TagSet(key, tags));
    if (out === undefined) return;
    const metrics = p.metrics.map((name) => this.rt.registry.metrics.get(name));
    const rows = p.rows;
    for (let i = 0; i < rows.length; i += 4) {
      const m = metrics[rows[i]];
      const tags = this.tagSets.get(rows[i + 1]);
      if (m !== undefined && tags !== undefined) out.point(m, tags, rows[i + 2], rows[i + 3]);
    }
  }
}

function addDelta(sink: Sink, d: number[] | Float64Array): void {
  if (sink instanceof TrendSink) sink.absorb(d as Float64Array);
  else if (sink instanceof CounterSink) sink.add(d[0]);
  else if (sink instanceof GaugeSink) {
    sink.add(d[0]);
    sink.min = Math.min(sink.min, d[1]);
    sink.max = Math.max(sink.max, d[2]);
  } else if (sink instanceof RateSink) {
    sink.passes += d[0];
    sink.total += d[1];
  }
}
