import { parseDuration } from '../duration.ts';
import type { Exchange, HttpClient } from '../http/client.ts';
import { DEFAULT_EXPECTED, ExpectedStatuses, expectedStatuses } from '../http/expected.ts';
import type { TagSet } from '../metrics/registry.ts';
import { stringTags, type PendingOp, type VU } from '../runtime.ts';

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
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const k = raw[i];
    if (k.length === lower.length && k.toString('latin1').toLowerCase() === lower) out.push(raw[i + 1].toString('latin1'));
  }
  return out;
}

/** The `k6/http` module bound to one VU. */
export function httpModule(vu: VU, client: HttpClient) {
  const rt = vu.rt;
  const m = rt.metrics;
  const reg = rt.registry;

  function sampleTags(group: string, method: string, url: string, name: string, status: number, expected: string, errorCode: number, extra: Record<string, string | number | boolean> | undefined, extraKey: string): TagSet {
    const key = `${vu.baseKey}\u0002${group}\u0002${method}\u0002${url}\u0002${name}\u0002${status}\u0002${expected}\u0002${errorCode}\u0002${extraKey}`;
    return reg.tagSet(key, () => {
      const t: Record<string, string> = { ...vu.tags, ...stringTags(extra), group, method, url, name, status: String(status) };
      if (expected !== '') t.expected_response = expected;
      if (errorCode !== 0) t.error_code = String(errorCode);
      return t;
    });
  }

  function emit(x: Exchange, group: string, method: string, url: string, params: Params | undefined, sentBytes: number): void {
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
    const ts = sampleTags(group, method, url, name, x.status, expected, x.errorCode, tags, extraKey);
    const t = performance.timeOrigin + performance.now();
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

  function exchange(method: string, url: string, body: string | Buffer | null, userHeaders: string[], params: Params | undefined, site: { stack?: string }): Promise<Exchange & { sentBytes: number }> {
    const token = vu.token;
    const p = parseUrl(url);
    const headers = userHeaders.slice();
    const cookie = vu.jar.header(p.host);
    if (cookie !== undefined) headers.push('cookie', cookie);
    let sent = method.length + p.path.length + p.host.length + 30;
    for (let i = 0; i < headers.length; i++) sent += headers[i].length + 2;
    if (body !== null) sent += typeof body === 'string' ? Buffer.byteLength(body) : body.length;
    return new Promise((resolve) => {
      let handle: { cancel(): void } | undefined;
      const op: PendingOp = {
        site,
        what: `${method} ${url}`,
        cancel: () => handle?.cancel(),
      };
      token?.addOp(op);
      handle = client.send(
        { origin: p.origin, path: p.path, method, headers, body, timeoutMs: timeoutOf(params?.timeout), keepBody: params?.responseType !== 'none' && !rt.discardResponseBodies },
        (x) => {
          token?.deleteOp(op);
          // an interrupted iteration's request never settles: the script stops at this await for good
          if (x.cancelled || token?.interrupted) return;
          for (const c of headerValue(x.rawHeaders, 'set-cookie')) vu.jar.setFromHeader(p.host, c);
          resolve(Object.assign(x, { sentBytes: sent }));
        },
      );
    });
  }

  async function run(method: string, url: string, body: Body, params: Params | undefined, site: { stack?: string }): Promise<Response> {
    const headers: string[] = [];
    let hasUa = false;
    if (params?.headers) {
      for (const k in params.headers) {
        headers.push(k, String(params.headers[k]));
        if (k.toLowerCase() === 'user-agent') hasUa = true;
      }
    }
    if (!hasUa) headers.push('user-agent', rt.userAgent);
    if (params?.cookies) {
      const host = parseUrl(url).host;
      for (const [k, v] of Object.entries(params.cookies)) vu.jar.set(host, k, typeof v === 'string' ? v : v.value);
    }
    // samples carry the group the request was started in, even if it ends after the group returned
    const group = vu.group;
    let encoded = encodeBody(body, headers);
    let redirectsLeft = params?.redirects ?? rt.maxRedirects;
    let curMethod = method;
    let curUrl = url;
    for (;;) {
      const x = await exchange(curMethod, curUrl, encoded, headers, params, site);
      emit(x, group, curMethod, curUrl, params, x.sentBytes);
      const location = REDIRECTS.has(x.status) ? headerValue(x.rawHeaders, 'location')[0] : undefined;
      if (location !== undefined && redirectsLeft > 0) {
        redirectsLeft--;
        curUrl = new URL(location, curUrl).toString();
        if (x.status === 303 || ((x.status === 301 || x.status === 302) && curMethod === 'POST')) {
          curMethod = 'GET';
          encoded = null;
        }
        continue;
      }
      const responseType = params?.responseType ?? (rt.discardResponseBodies ? 'none' : 'text');
      let resBody: string | ArrayBuffer | null = null;
      if (x.body !== null && responseType !== 'none') {
        resBody = responseType === 'binary' ? x.body.buffer.slice(x.body.byteOffset, x.body.byteOffset + x.body.byteLength) as ArrayBuffer : x.body.toString('utf8');
      }
      const timings: Timings = { blocked: x.blocked, connecting: 0, tls_handshaking: 0, sending: x.sending, waiting: x.waiting, receiving: x.receiving, duration: x.duration };
      const request = {
        method: curMethod,
        url: curUrl,
        body: typeof encoded === 'string' ? encoded : '',
        // built on first read: few scripts look at the request they sent
        get headers(): Record<string, string[]> {
          const h: Record<string, string[]> = {};
          for (let i = 0; i + 1 < headers.length; i += 2) (h[canonical(headers[i].toLowerCase())] ??= []).push(headers[i + 1]);
          return h;
        },
      };
      return new Response(x.status, x.status ? `${x.status} ${x.statusText}` : '', resBody, curUrl, x.error, x.errorCode, timings, request, x.rawHeaders);
    }
  }

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
    return run(method.toUpperCase(), String(url), body, params, site);
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
