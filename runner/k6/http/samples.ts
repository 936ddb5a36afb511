// The samples of one request or redirect hop: http_reqs, the six timing trends, http_req_failed, data sent and
// received, tagged as k6 tags them (k6-subset §3). One path whether or not `--out` writes points.
import type { Exchange } from '../../http/client.ts';
import { nowMs, type BuiltinMetrics, type Registry, type TagSet } from '../../metrics/registry.ts';
import type { CounterSink, RateSink, TrendSink } from '../../metrics/sinks.ts';
import type { Runtime, VU } from '../../runtime.ts';
import { stringTags } from '../../tags.ts';
import type { Params } from './params.ts';

/**
 * Every sink a request's samples go to for one tag set (the metric's own and the submetrics it matches),
 * each list typed so that adding is a direct call. Resolved once per registry version.
 */
class RequestSinks {
  readonly version: number;
  readonly reqs: CounterSink[];
  readonly duration: TrendSink[];
  readonly blocked: TrendSink[];
  readonly connecting: TrendSink[];
  readonly tls: TrendSink[];
  readonly sending: TrendSink[];
  readonly waiting: TrendSink[];
  readonly receiving: TrendSink[];
  readonly failed: RateSink[];
  constructor(reg: Registry, m: BuiltinMetrics, ts: TagSet) {
    this.version = reg.submetricsVersion;
    this.reqs = reg.allSinks(m.http_reqs, ts) as CounterSink[];
    this.duration = reg.allSinks(m.http_req_duration, ts) as TrendSink[];
    this.blocked = reg.allSinks(m.http_req_blocked, ts) as TrendSink[];
    this.connecting = reg.allSinks(m.http_req_connecting, ts) as TrendSink[];
    this.tls = reg.allSinks(m.http_req_tls_handshaking, ts) as TrendSink[];
    this.sending = reg.allSinks(m.http_req_sending, ts) as TrendSink[];
    this.waiting = reg.allSinks(m.http_req_waiting, ts) as TrendSink[];
    this.receiving = reg.allSinks(m.http_req_receiving, ts) as TrendSink[];
    this.failed = reg.allSinks(m.http_req_failed, ts) as RateSink[];
  }
}

/** An interned sample tag set for one combination of what varies per request; compared field by field. */
interface TagEntry {
  baseKey: string;
  group: string;
  method: string;
  name: string;
  status: number;
  proto: string;
  expected: string;
  errorCode: number;
  extraKey: string;
  ts: TagSet;
  sinks: RequestSinks | undefined;
}

function addCounter(sinks: CounterSink[], v: number): void {
  for (let i = 0; i < sinks.length; i++) sinks[i].add(v);
}
function addTrend(sinks: TrendSink[], v: number): void {
  for (let i = 0; i < sinks.length; i++) sinks[i].add(v);
}
function addRate(sinks: RateSink[], v: number): void {
  for (let i = 0; i < sinks.length; i++) sinks[i].add(v);
}

// Per run, by URL: the tag sets requests to it produced. Looking a URL up and comparing a few fields is
// cheaper than building and hashing a key of all the tags on every request.
const tagCaches = new WeakMap<Runtime, Map<string, TagEntry[]>>();
const TAG_CACHE_URLS = 20_000;
const TAG_CACHE_PER_URL = 64;

/** One VU's request samples. */
export class RequestSamples {
  private readonly m: BuiltinMetrics;
  private readonly reg: Registry;
  private readonly tagCache: Map<string, TagEntry[]>;

  constructor(private readonly vu: VU) {
    this.m = vu.rt.metrics;
    this.reg = vu.rt.registry;
    let c = tagCaches.get(vu.rt);
    if (c === undefined) tagCaches.set(vu.rt, (c = new Map()));
    this.tagCache = c;
  }

  private entry(
    group: string,
    method: string,
    url: string,
    name: string,
    status: number,
    proto: string,
    expected: string,
    errorCode: number,
    extra: Params['tags'],
    extraKey: string,
  ): TagEntry {
    const vu = this.vu;
    const baseKey = vu.baseKey;
    let list = this.tagCache.get(url);
    if (list !== undefined) {
      for (let i = 0; i < list.length; i++) {
        const e = list[i];
        if (
          e.status === status &&
          e.proto === proto &&
          e.errorCode === errorCode &&
          e.expected === expected &&
          e.method === method &&
          e.name === name &&
          e.group === group &&
          e.extraKey === extraKey &&
          e.baseKey === baseKey
        )
          return e;
      }
    }
    const key = `${baseKey}\u0002${group}\u0002${method}\u0002${url}\u0002${name}\u0002${status}\u0002${proto}\u0002${expected}\u0002${errorCode}\u0002${extraKey}`;
    const ts = this.reg.tagSet(key, () => {
      const t: Record<string, string> = {
        ...vu.tags,
        ...stringTags(extra),
        group,
        method,
        url,
        name,
        status: String(status),
      };
      // k6's proto tag: the protocol of the response (none when there was none)
      if (proto !== '') t.proto = proto;
      if (expected !== '') t.expected_response = expected;
      if (errorCode !== 0) t.error_code = String(errorCode);
      return t;
    });
    if (list === undefined) {
      if (this.tagCache.size >= TAG_CACHE_URLS) this.tagCache.clear();
      this.tagCache.set(url, (list = []));
    }
    const entry: TagEntry = {
      baseKey,
      group,
      method,
      name,
      status,
      proto,
      expected,
      errorCode,
      extraKey,
      ts,
      sinks: undefined,
    };
    if (list.length < TAG_CACHE_PER_URL) list.push(entry);
    return entry;
  }

  /** The samples of one exchange, in k6's order; `--out` also gets them as points with one time. */
  emit(x: Exchange, group: string, method: string, url: string, params: Params | undefined, sentBytes: number): void {
    const vu = this.vu;
    const m = this.m;
    const reg = this.reg;
    const tags = params?.tags;
    let name = url;
    let extraKey = '';
    if (tags !== undefined) {
      for (const k in tags) {
        if (k === 'name') name = String(tags.name);
        else extraKey += `${k}=${String(tags[k])}\u0001`;
      }
    }
    const cb =
      params !== undefined && params.responseCallback !== undefined ? params.responseCallback : vu.responseCallback;
    const expected = cb === null ? '' : cb.matches(x.status) ? 'true' : 'false';
    const entry = this.entry(group, method, url, name, x.status, x.proto, expected, x.errorCode, tags, extraKey);
    let s = entry.sinks;
    if (s === undefined || s.version !== reg.submetricsVersion) entry.sinks = s = new RequestSinks(reg, m, entry.ts);
    const failed = expected === 'true' ? 0 : 1;
    addCounter(s.reqs, 1);
    addTrend(s.duration, x.duration);
    addTrend(s.blocked, x.blocked);
    addTrend(s.connecting, x.connecting);
    addTrend(s.tls, 0);
    addTrend(s.sending, x.sending);
    addTrend(s.waiting, x.waiting);
    addTrend(s.receiving, x.receiving);
    if (expected !== '') addRate(s.failed, failed);
    const out = reg.output;
    const t = out === undefined ? 0 : nowMs();
    if (out !== undefined) {
      const ts = entry.ts;
      out.point(m.http_reqs, ts, 1, t);
      out.point(m.http_req_duration, ts, x.duration, t);
      out.point(m.http_req_blocked, ts, x.blocked, t);
      out.point(m.http_req_connecting, ts, x.connecting, t);
      out.point(m.http_req_tls_handshaking, ts, 0, t);
      out.point(m.http_req_sending, ts, x.sending, t);
      out.point(m.http_req_waiting, ts, x.waiting, t);
      out.point(m.http_req_receiving, ts, x.receiving, t);
      if (expected !== '') out.point(m.http_req_failed, ts, failed, t);
    }
    reg.add(m.data_sent, vu.baseTagSet, sentBytes, t);
    reg.add(m.data_received, vu.baseTagSet, x.receivedBytes, t);
  }
}
