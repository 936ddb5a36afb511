import { parseDuration } from '../duration.ts';
import type { Exchange, ExchangeListener, HttpClient, OwnConnection } from '../http/client.ts';
import { DEFAULT_EXPECTED, ExpectedStatuses, expectedStatuses } from '../http/expected.ts';
import { nowMs, type BuiltinMetrics, type Registry, type TagSet } from '../metrics/registry.ts';
import type { CounterSink, RateSink, TrendSink } from '../metrics/sinks.ts';
import { stringTags, type IterationToken, type PendingOp, type Runtime, type VU } from '../runtime.ts';

type Body = string | ArrayBuffer | Uint8Array | Record<string, unknown> | null | undefined;

export interface Params {
  headers?: Record<string, string | number>;
  tags?: Record<string, string | number | boolean>;
  timeout?: string | number;
  responseType?: 'text' | 'binary' | 'none';
  responseCallback?: ExpectedStatuses | null;
  redirects?: number;
  cookies?: Record<string, string | { value: string; replace?: boolean }>;
}

export interface Timings {
  blocked: number;
  connecting: number;
  tls_handshaking: number;
  sending: number;
  waiting: number;
  receiving: number;
  duration: number;
}

function canonical(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_m, d: string, c: string) => d + c.toUpperCase());
}

/** k6's Response. Headers are built on first read: most scripts never look at them. */
export class Response {
  private headersCache: Record<string, string> | undefined;
  constructor(
    readonly status: number,
    readonly status_text: string,
    readonly body: string | ArrayBuffer | null,
    readonly url: string,
    readonly error: string,
    readonly error_code: number,
    readonly timings: Timings,
    readonly request: { method: string; url: string; headers: Record<string, string[]>; body: string },
    private readonly rawHeaders: Buffer[] | null,
  ) {}
  get proto(): string {
    return this.status ? 'HTTP/1.1' : '';
  }
  get headers(): Record<string, string> {
    if (this.headersCache) return this.headersCache;
    const h: Record<string, string> = {};
    const raw = this.rawHeaders ?? [];
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const k = canonical(raw[i].toString('latin1').toLowerCase());
      const v = raw[i + 1].toString('latin1');
      h[k] = h[k] === undefined ? v : `${h[k]}, ${v}`;
    }
    return (this.headersCache = h);
  }
  json(selector?: string): unknown {
    if (typeof this.body !== 'string') throw new Error('json(): the response body is not text (responseType must be text)');
    const v: unknown = JSON.parse(this.body);
    if (!selector) return v;
    let cur: unknown = v;
    for (const part of selector.split('.')) {
      if (cur === null || typeof cur !== 'object') return undefined;
      cur = (cur as Record<string, unknown>)[part];
    }
    return cur;
  }
}

interface ParsedUrl {
  origin: string;
  path: string;
  host: string;
}
// scripts hit few distinct URLs many times; parsing each once is cheaper than `new URL` per request
const urlCache = new Map<string, ParsedUrl>();
function parseUrl(url: string): ParsedUrl {
  let p = urlCache.get(url);
  if (p !== undefined) return p;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`invalid URL '${url}'`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`unsupported URL scheme in '${url}' (accepted: http, https)`);
  p = { origin: u.origin, path: `${u.pathname}${u.search}`, host: u.host };
  if (urlCache.size > 50_000) urlCache.clear();
  urlCache.set(url, p);
  return p;
}

function encodeBody(body: Body, headers: string[]): string | Buffer | null {
  if (body === null || body === undefined) return null;
  if (typeof body === 'string') return body;
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const form = new URLSearchParams();
  for (const [k, v] of Object.entries(body)) form.append(k, String(v));
  if (!headers.some((h, i) => i % 2 === 0 && h.toLowerCase() === 'content-type')) headers.push('content-type', 'application/x-www-form-urlencoded');
  return form.toString();
}

const DEFAULT_TIMEOUT_MS = 60_000;
const timeoutCache = new Map<string | number, number>();
function timeoutOf(t: string | number | undefined): number {
  if (t === undefined) return DEFAULT_TIMEOUT_MS;
  let ms = timeoutCache.get(t);
  if (ms === undefined) {
    ms = typeof t === 'number' ? t : parseDuration(t, 'http timeout');
    timeoutCache.set(t, ms);
  }
  return ms;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

function headerValue(raw: Buffer[] | null, lower: string): string[] {
  const out: string[] = [];
  if (!raw) return out;
  const first = lower.charCodeAt(0);
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const k = raw[i];
    // the first byte, case-folded, rules out most names without making a string of them
    if (k.length === lower.length && (k[0] | 0x20) === first && k.toString('latin1').toLowerCase() === lower) out.push(raw[i + 1].toString('latin1'));
  }
  return out;
}

/** `Content-Type` for `content-type`: the same few names come back on every request. */
const canonicalNames = new Map<string, string>();
function canonicalName(lower: string): string {
  let c = canonicalNames.get(lower);
  if (c === undefined) {
    c = canonical(lower);
    if (canonicalNames.size < 10_000) canonicalNames.set(lower, c);
  }
  return c;
}

/**
 * `response.request`: the request as sent (without the jar's cookies), with its headers in k6's
 * `{Name: [values]}` form. A plain object, like k6's; an object literal with a getter costs a slow
 * property definition per request, which the headers built here at once do not.
 */
function requestInfo(method: string, url: string, body: string, headers: string[]): { method: string; url: string; body: string; headers: Record<string, string[]> } {
  const h: Record<string, string[]> = {};
  for (let i = 0; i + 1 < headers.length; i += 2) (h[canonicalName(headers[i].toLowerCase())] ??= []).push(headers[i + 1]);
  return { method, url, body, headers: h };
}

/** An interned sample tag set for one combination of what varies per request; compared field by field. */
interface TagEntry {
  baseKey: string;
  group: string;
  method: string;
  name: string;
  status: number;
  expected: string;
  errorCode: number;
  extraKey: string;
  ts: TagSet;
  /** the sinks of the request metrics for ts, resolved once per registry version */
  sinks: RequestSinks | undefined;
}

/**
 * Every sink a request's samples go to for one tag set, each list typed so that adding is a direct call.
 * Used when nothing writes points out (`--out json` takes the registry's general path).
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

/**
 * One request of a script, from its call to its Response, across redirect hops: the operation an
 * interrupt cancels, and the listener the HTTP client reports to. A class with methods, so a request
 * allocates no closures beyond its promise.
 */
class Flight implements PendingOp, ExchangeListener {
  handle: { cancel(): void } | undefined = undefined;
  token: IterationToken | null = null;
  sent = 0;
  host = '';
  resolve!: (r: Response) => void;
  reject!: (err: unknown) => void;
  constructor(
    readonly ctx: HttpContext,
    readonly site: { stack?: string },
    public method: string,
    public url: string,
    public body: string | Buffer | null,
    readonly headers: string[],
    readonly params: Params | undefined,
    readonly group: string,
    public redirectsLeft: number,
  ) {}
  get what(): string {
    return `${this.method} ${this.url}`;
  }
  cancel(): void {
    this.handle?.cancel();
  }
  onExchange(x: Exchange): void {
    this.ctx.exchanged(this, x);
  }
}

/** The per-VU state of `k6/http` and its request path. */
class HttpContext {
  readonly rt: Runtime;
  readonly m: BuiltinMetrics;
  readonly reg: Registry;
  readonly tagCache: Map<string, TagEntry[]>;
  /** this VU's own connection per origin */
  readonly connections = new Map<string, OwnConnection>();

  constructor(
    readonly vu: VU,
    readonly client: HttpClient,
  ) {
    this.rt = vu.rt;
    this.m = vu.rt.metrics;
    this.reg = vu.rt.registry;
    let c = tagCaches.get(vu.rt);
    if (c === undefined) tagCaches.set(vu.rt, (c = new Map()));
    this.tagCache = c;
  }

  sampleTags(group: string, method: string, url: string, name: string, status: number, expected: string, errorCode: number, extra: Record<string, string | number | boolean> | undefined, extraKey: string): TagEntry {
    const vu = this.vu;
    const baseKey = vu.baseKey;
    let list = this.tagCache.get(url);
    if (list !== undefined) {
      for (let i = 0; i < list.length; i++) {
        const e = list[i];
        if (e.status === status && e.errorCode === errorCode && e.expected === expected && e.method === method && e.name === name && e.group === group && e.extraKey === extraKey && e.baseKey === baseKey) return e;
      }
    }
    const key = `${baseKey}\u0002${group}\u0002${method}\u0002${url}\u0002${name}\u0002${status}\u0002${expected}\u0002${errorCode}\u0002${extraKey}`;
    const ts = this.reg.tagSet(key, () => {
      const t: Record<string, string> = { ...vu.tags, ...stringTags(extra), group, method, url, name, status: String(status) };
      if (expected !== '') t.expected_response = expected;
      if (errorCode !== 0) t.error_code = String(errorCode);
      return t;
    });
    if (list === undefined) {
      if (this.tagCache.size >= TAG_CACHE_URLS) this.tagCache.clear();
      this.tagCache.set(url, (list = []));
    }
    const entry: TagEntry = { baseKey, group, method, name, status, expected, errorCode, extraKey, ts, sinks: undefined };
    if (list.length < TAG_CACHE_PER_URL) list.push(entry);
    return entry;
  }

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
    const cb = params !== undefined && params.responseCallback !== undefined ? params.responseCallback : vu.responseCallback;
    const expected = cb === null ? '' : cb.matches(x.status) ? 'true' : 'false';
    const entry = this.sampleTags(group, method, url, name, x.status, expected, x.errorCode, tags, extraKey);
    if (reg.output === undefined) {
      let s = entry.sinks;
      if (s === undefined || s.version !== reg.submetricsVersion) entry.sinks = s = new RequestSinks(reg, m, entry.ts);
      addCounter(s.reqs, 1);
      addTrend(s.duration, x.duration);
      addTrend(s.blocked, x.blocked);
      addTrend(s.connecting, 0);
      addTrend(s.tls, 0);
      addTrend(s.sending, x.sending);
      addTrend(s.waiting, x.waiting);
      addTrend(s.receiving, x.receiving);
      if (expected !== '') addRate(s.failed, expected === 'true' ? 0 : 1);
      reg.add(m.data_sent, vu.baseTagSet, sentBytes, 0);
      reg.add(m.data_received, vu.baseTagSet, x.receivedBytes, 0);
      return;
    }
    const ts = entry.ts;
    // the general path, in k6's order of samples, each with its time for --out json
    const t = nowMs();
    reg.add(m.http_reqs, ts, 1, t);
    reg.add(m.http_req_duration, ts, x.duration, t);
    reg.add(m.http_req_blocked, ts, x.blocked, t);
    reg.add(m.http_req_connecting, ts, 0, t);
    reg.add(m.http_req_tls_handshaking, ts, 0, t);
    reg.add(m.http_req_sending, ts, x.sending, t);
    reg.add(m.http_req_waiting, ts, x.waiting, t);
    reg.add(m.http_req_receiving, ts, x.receiving, t);
    if (expected !== '') reg.add(m.http_req_failed, ts, expected === 'true' ? 0 : 1, t);
    reg.add(m.data_sent, vu.baseTagSet, sentBytes, t);
    reg.add(m.data_received, vu.baseTagSet, x.receivedBytes, t);
  }

  /** Sends one hop of a flight. Throws (invalid URL) before anything is sent. */
  send(f: Flight): void {
    const vu = this.vu;
    const token = vu.token;
    const method = f.method;
    const p = parseUrl(f.url);
    // the script's headers are shared by all hops; a hop with cookies gets its own copy to add them to
    let headers = f.headers;
    const cookie = vu.jar.header(p.host);
    if (cookie !== undefined) {
      headers = headers.slice();
      headers.push('cookie', cookie);
    }
    let sent = method.length + p.path.length + p.host.length + 30;
    for (let i = 0; i < headers.length; i++) sent += headers[i].length + 2;
    const body = f.body;
    if (body !== null) sent += typeof body === 'string' ? Buffer.byteLength(body) : body.length;
    const params = f.params;
    const timeoutMs = timeoutOf(params?.timeout);
    f.sent = sent;
    f.host = p.host;
    f.token = token;
    f.handle = undefined;
    token?.addOp(f);
    f.handle = this.client.send(
      { origin: p.origin, path: p.path, method, headers, body, timeoutMs, keepBody: params?.responseType !== 'none' && !this.rt.discardResponseBodies },
      f,
      this.connections,
    );
  }

  exchanged(f: Flight, x: Exchange): void {
    const token = f.token;
    token?.deleteOp(f);
    // an interrupted iteration's request never settles: the script stops at this await for good
    if (x.cancelled || token?.interrupted) return;
    // called from the HTTP client's handler: whatever goes wrong here belongs to the script's promise
    try {
      this.settle(f, x);
    } catch (err) {
      f.reject(err);
    }
  }

  private settle(f: Flight, x: Exchange): void {
    const vu = this.vu;
    if (x.rawHeaders !== null) for (const c of headerValue(x.rawHeaders, 'set-cookie')) vu.jar.setFromHeader(f.host, c);
    const method = f.method;
    const url = f.url;
    this.emit(x, f.group, method, url, f.params, f.sent);
    const status = x.status;
    if (REDIRECTS.has(status) && f.redirectsLeft > 0) {
      const location = headerValue(x.rawHeaders, 'location')[0];
      if (location !== undefined) {
        f.redirectsLeft--;
        f.url = new URL(location, url).toString();
        if (status === 303 || ((status === 301 || status === 302) && method === 'POST')) {
          f.method = 'GET';
          f.body = null;
        }
        this.send(f);
        return;
      }
    }
    const params = f.params;
    const responseType = params?.responseType ?? (this.rt.discardResponseBodies ? 'none' : 'text');
    let resBody: string | ArrayBuffer | null = null;
    if (x.body !== null && responseType !== 'none') {
      resBody = responseType === 'binary' ? (x.body.buffer.slice(x.body.byteOffset, x.body.byteOffset + x.body.byteLength) as ArrayBuffer) : x.body.toString('utf8');
    }
    const timings: Timings = { blocked: x.blocked, connecting: 0, tls_handshaking: 0, sending: x.sending, waiting: x.waiting, receiving: x.receiving, duration: x.duration };
    const request = requestInfo(method, url, typeof f.body === 'string' ? f.body : '', f.headers);
    f.resolve(new Response(status, status ? statusLine(status, x.statusText) : '', resBody, url, x.error, x.errorCode, timings, request, x.rawHeaders));
  }

  run(method: string, url: string, body: Body, params: Params | undefined, site: { stack?: string }): Promise<Response> {
    const vu = this.vu;
    const rt = this.rt;
    const headers: string[] = [];
    let hasUa = false;
    if (params?.headers) {
      for (const k in params.headers) {
        headers.push(k, String(params.headers[k]));
        if (k.toLowerCase() === 'user-agent') hasUa = true;
      }
    }
    if (!hasUa) headers.push('user-agent', rt.userAgent);
    let flight: Flight;
    try {
      if (params?.cookies) {
        const host = parseUrl(url).host;
        for (const [k, v] of Object.entries(params.cookies)) vu.jar.set(host, k, typeof v === 'string' ? v : v.value);
      }
      // samples carry the group the request was started in, even if it ends after the group returned
      const encoded = encodeBody(body, headers);
      flight = new Flight(this, site, method, url, encoded, headers, params, vu.group, params?.redirects ?? rt.maxRedirects);
    } catch (err) {
      return Promise.reject(err);
    }
    const promise = new Promise<Response>((resolve, reject) => {
      flight.resolve = resolve;
      flight.reject = reject;
    });
    try {
      this.send(flight);
    } catch (err) {
      flight.reject(err);
    }
    return promise;
  }
}

/** `200 OK`, made once per distinct status line rather than per response. */
const statusLines = new Map<number, { text: string; line: string }>();
function statusLine(status: number, text: string): string {
  const c = statusLines.get(status);
  if (c !== undefined && c.text === text) return c.line;
  const line = `${status} ${text}`;
  if (statusLines.size < 1000) statusLines.set(status, { text, line });
  return line;
}

/** The `k6/http` module bound to one VU. */
export function httpModule(vu: VU, client: HttpClient) {
  const ctx = new HttpContext(vu, client);

  function start(method: string, url: string, body: Body, params: Params | undefined, caller: (...a: never[]) => unknown): Promise<Response> {
    if (vu.phase === 'init') throw new Error('making HTTP requests in the init context is not supported (move the request into the default function or setup())');
    if (vu.token?.interrupted) return new Promise(() => {});
    // where the script made the call, for a missing-await warning. Capturing costs ~1 µs, so only a VU's
    // first iterations and then one in 64 pay it: a forgotten await repeats, so it is still caught early.
    const site: { stack?: string } = {};
    if (vu.iteration < 3 || (vu.iteration & 63) === 0) {
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = 4;
      Error.captureStackTrace(site, caller);
      Error.stackTraceLimit = limit;
    }
    return ctx.run(method.toUpperCase(), String(url), body, params, site);
  }

  const mod = {
    asyncRequest: (method: string, url: string, body?: Body, params?: Params) => start(method, url, body, params, mod.asyncRequest),
    request: (method: string, url: string, body?: Body, params?: Params) => start(method, url, body, params, mod.request),
    get: (url: string, params?: Params) => start('GET', url, null, params, mod.get),
    head: (url: string, params?: Params) => start('HEAD', url, null, params, mod.head),
    options: (url: string, body?: Body, params?: Params) => start('OPTIONS', url, body, params, mod.options),
    post: (url: string, body?: Body, params?: Params) => start('POST', url, body, params, mod.post),
    put: (url: string, body?: Body, params?: Params) => start('PUT', url, body, params, mod.put),
    patch: (url: string, body?: Body, params?: Params) => start('PATCH', url, body, params, mod.patch),
    del: (url: string, body?: Body, params?: Params) => start('DELETE', url, body, params, mod.del),
    batch: async (reqs: (string | [string, string, Body?, Params?] | { method: string; url: string; body?: Body; params?: Params })[]) =>
      Promise.all(
        reqs.map((r) =>
          typeof r === 'string' ? start('GET', r, null, undefined, mod.batch) : Array.isArray(r) ? start(r[0], r[1], r[2], r[3], mod.batch) : start(r.method, r.url, r.body, r.params, mod.batch),
        ),
      ),
    expectedStatuses,
    setResponseCallback: (cb: ExpectedStatuses | null) => {
      if (cb !== null && !(cb instanceof ExpectedStatuses)) throw new Error('setResponseCallback: accepted values are http.expectedStatuses(...) or null');
      vu.responseCallback = cb;
    },
    cookieJar: () => ({
      set: (url: string, name: string, value: string) => vu.jar.set(parseUrl(url).host, name, value),
      cookiesForURL: (url: string) => vu.jar.entries(parseUrl(url).host),
      delete: (url: string, name: string) => vu.jar.delete(parseUrl(url).host, name),
      clear: () => vu.jar.clear(),
    }),
    url: (strings: TemplateStringsArray, ...values: unknown[]) => strings.reduce((a, s, i) => a + s + (i < values.length ? String(values[i]) : ''), ''),
    OCSP_STATUS_GOOD: 'good',
    TLS_1_2: 'tls1.2',
    TLS_1_3: 'tls1.3',
    Response,
  };
  return mod;
}

export { DEFAULT_EXPECTED };
