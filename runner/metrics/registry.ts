import { performance } from 'node:perf_hooks';
import { newSink, type MetricType, type Sink, type ValueType } from './sinks.ts';

export type Tags = Record<string, string>;

/** A selector like `{name:product-list,scenario:tripled}`, as sorted pairs so spellings compare equal. */
export type Selector = readonly (readonly [string, string])[];

export function selectorKey(sel: Selector): string {
  return sel.map(([k, v]) => `${k}:${v}`).join(',');
}

export class Submetric {
  readonly sink: Sink;
  constructor(
    readonly parent: Metric,
    /** the key in summaries: the threshold's own spelling, or `name{k:v,...}` for automatic ones */
    readonly key: string,
    readonly selector: Selector,
    /** created by the runner for per-scenario/per-name figures rather than by a threshold */
    readonly auto: boolean,
  ) {
    this.sink = newSink(parent.type);
  }
  matches(tags: Tags): boolean {
    for (const [k, v] of this.selector) if (tags[k] !== v) return false;
    return true;
  }
}

export class Metric {
  readonly sink: Sink;
  readonly submetrics: Submetric[] = [];
  readonly bySelector = new Map<string, Submetric>();
  constructor(
    readonly id: number,
    readonly name: string,
    readonly type: MetricType,
    readonly contains: ValueType,
  ) {
    this.sink = newSink(type);
  }
}

/**
 * An interned set of tags. Samples carry one of these rather than an object of their own, and each keeps,
 * per metric, the submetric sinks it feeds: the per-request cost is a map lookup and a few adds.
 */
export class TagSet {
  private version = -1;
  private resolved: (Sink[] | undefined)[] = [];
  /** the tags as JSON, made once for `--out json` */
  json: string | undefined;
  constructor(
    readonly key: string,
    readonly tags: Tags,
  ) {}
  sinksFor(m: Metric, registryVersion: number): Sink[] {
    if (this.version !== registryVersion) {
      this.version = registryVersion;
      this.resolved = [];
    }
    let r = this.resolved[m.id];
    if (r === undefined) {
      r = [];
      for (const s of m.submetrics) if (s.matches(this.tags)) r.push(s.sink);
      this.resolved[m.id] = r;
    }
    return r;
  }
}

export interface PointWriter {
  point(m: Metric, tags: TagSet, value: number, timeMs: number): void;
}

const NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]{1,128}$/;

/** Metrics split automatically per scenario and per request name (k6-subset §9 item 3). */
const AUTO_SPLIT = new Set(['http_req_duration', 'http_req_failed']);

export class Registry {
  readonly metrics = new Map<string, Metric>();
  private readonly tagSets = new Map<string, TagSet>();
  private version = 0;
  output: PointWriter | undefined;
  /** called on every add: the engine's thread ships the first samples after a quiet spell at once */
  onSample: (() => void) | undefined;
  private readonly autoSeen = new Set<string>();

  metric(name: string, type: MetricType, contains: ValueType = 'default'): Metric {
    const existing = this.metrics.get(name);
    if (existing) {
      if (existing.type !== type)
        throw new Error(`metric '${name}' already exists as a ${existing.type}, cannot redefine it as a ${type}`);
      return existing;
    }
    if (!NAME_RE.test(name))
      throw new Error(
        `invalid metric name '${name}' (accepted: letters, digits and _, 2-129 characters, not starting with a digit)`,
      );
    const m = new Metric(this.metrics.size, name, type, contains);
    this.metrics.set(name, m);
    return m;
  }

  submetric(m: Metric, key: string, selector: Selector, auto: boolean): Submetric {
    const sk = selectorKey(selector);
    const existing = m.bySelector.get(sk);
    if (existing) return existing;
    const s = new Submetric(m, key, selector, auto);
    m.submetrics.push(s);
    m.bySelector.set(sk, s);
    this.version++;
    return s;
  }

  /** Interns tags under a caller-made key (the caller knows which parts vary, which is cheaper than hashing). */
  /** changes whenever a submetric is added: sinks resolved for a tag set under an older version are stale */
  get submetricsVersion(): number {
    return this.version;
  }

  /** The metric's own sink followed by the submetric sinks a sample with these tags feeds. */
  allSinks(m: Metric, tags: TagSet): Sink[] {
    return [m.sink, ...tags.sinksFor(m, this.version)];
  }

  tagSet(key: string, build: () => Tags): TagSet {
    let t = this.tagSets.get(key);
    if (t === undefined) {
      t = new TagSet(key, build());
      this.tagSets.set(key, t);
      this.autoSplit(t.tags);
    }
    return t;
  }

  tagSetOf(tags: Tags): TagSet {
    const keys = Object.keys(tags).sort();
    let key = '';
    for (const k of keys) key += `${k}\u0001${tags[k]}\u0002`;
    return this.tagSet(key, () => ({ ...tags }));
  }

  private autoSplit(tags: Tags): void {
    const scenario = tags.scenario;
    const name = tags.name;
    if (scenario === undefined && name === undefined) return;
    const wanted: Selector[] = [];
    if (scenario !== undefined) wanted.push([['scenario', scenario]]);
    if (name !== undefined) wanted.push([['name', name]]);
    if (scenario !== undefined && name !== undefined)
      wanted.push([
        ['scenario', scenario],
        ['name', name],
      ]);
    for (const sel of wanted) {
      const sk = selectorKey(sel);
      if (this.autoSeen.has(sk)) continue;
      this.autoSeen.add(sk);
      for (const mn of AUTO_SPLIT) {
        const m = this.metrics.get(mn);
        if (m) this.submetric(m, `${mn}{${sk}}`, sel, true);
      }
    }
  }

  add(m: Metric, tags: TagSet, value: number, timeMs?: number): void {
    m.sink.add(value);
    const subs = tags.sinksFor(m, this.version);
    for (let i = 0; i < subs.length; i++) subs[i].add(value);
    if (this.output !== undefined) this.output.point(m, tags, value, timeMs ?? nowMs());
    if (this.onSample !== undefined) this.onSample();
  }
}

/** Wall-clock ms with sub-ms precision, monotonic within the run. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** The built-in metrics (k6-subset §5), created up front so thresholds can refer to them before any sample. */
export interface BuiltinMetrics {
  http_reqs: Metric;
  http_req_duration: Metric;
  http_req_waiting: Metric;
  http_req_connecting: Metric;
  http_req_blocked: Metric;
  http_req_sending: Metric;
  http_req_receiving: Metric;
  http_req_tls_handshaking: Metric;
  http_req_failed: Metric;
  iterations: Metric;
  iteration_duration: Metric;
  dropped_iterations: Metric;
  iteration_start_lag: Metric;
  data_sent: Metric;
  data_received: Metric;
  checks: Metric;
  group_duration: Metric;
  vus: Metric;
  vus_max: Metric;
}

export function builtinMetrics(r: Registry): BuiltinMetrics {
  return {
    http_reqs: r.metric('http_reqs', 'counter'),
    http_req_duration: r.metric('http_req_duration', 'trend', 'time'),
    http_req_waiting: r.metric('http_req_waiting', 'trend', 'time'),
    http_req_connecting: r.metric('http_req_connecting', 'trend', 'time'),
    http_req_blocked: r.metric('http_req_blocked', 'trend', 'time'),
    http_req_sending: r.metric('http_req_sending', 'trend', 'time'),
    http_req_receiving: r.metric('http_req_receiving', 'trend', 'time'),
    http_req_tls_handshaking: r.metric('http_req_tls_handshaking', 'trend', 'time'),
    http_req_failed: r.metric('http_req_failed', 'rate'),
    iterations: r.metric('iterations', 'counter'),
    iteration_duration: r.metric('iteration_duration', 'trend', 'time'),
    dropped_iterations: r.metric('dropped_iterations', 'counter'),
    iteration_start_lag: r.metric('iteration_start_lag', 'trend', 'time'),
    data_sent: r.metric('data_sent', 'counter', 'data'),
    data_received: r.metric('data_received', 'counter', 'data'),
    checks: r.metric('checks', 'rate'),
    group_duration: r.metric('group_duration', 'trend', 'time'),
    vus: r.metric('vus', 'gauge'),
    vus_max: r.metric('vus_max', 'gauge'),
  };
}
