// Sending one request of a script and following its redirects, with the VU's cookies (k6's request.go).
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import type { Exchange, ExchangeListener, HttpClient, OwnConnection } from '../../http/client.ts';
import type { CookieJar, CookieUrl } from '../../http/cookies.ts';
import type { IterationToken, PendingOp, Runtime, VU } from '../../runtime.ts';
import { requestDump, responseDump } from './debug.ts';
import { digestAuthorization } from './digest.ts';
import { compress, encodeBody, timeoutOf, type Body, type Params } from './params.ts';
import { requestInfo, Response, statusLine, type Timings } from './response.ts';
import { RequestSamples } from './samples.ts';

interface ParsedUrl {
  origin: string;
  path: string;
  host: string;
  cookieUrl: CookieUrl;
  /** `Basic ...` from credentials in the URL (`http://user:pass@host/`), which k6 sends as basic auth */
  basicAuth: string | undefined;
  /** the URL's credentials, decoded, for digest authentication */
  user: string | undefined;
  pass: string;
}
// scripts hit few distinct URLs many times; parsing each once is cheaper than `new URL` per request
const urlCache = new Map<string, ParsedUrl>();
export function parseUrl(url: string): ParsedUrl {
  let p = urlCache.get(url);
  if (p !== undefined) return p;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`invalid URL '${url}'`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new Error(`unsupported URL scheme in '${url}' (accepted: http, https)`);
  const basicAuth =
    u.username || u.password
      ? `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}`
      : undefined;
  p = {
    origin: u.origin,
    path: `${u.pathname}${u.search}`,
    host: u.host,
    cookieUrl: { hostname: u.hostname, pathname: u.pathname || '/', secure: u.protocol === 'https:' },
    basicAuth,
    user: u.username || u.password ? decodeURIComponent(u.username) : undefined,
    pass: decodeURIComponent(u.password),
  };
  if (urlCache.size > 50_000) urlCache.clear();
  urlCache.set(url, p);
  return p;
}

const NONE: readonly string[] = [];

/** Every value of one response header, by its lower-case name (no array made when there is none). */
function headerValue(raw: Buffer[] | null, lower: string): readonly string[] {
  let out: string[] | null = null;
  if (!raw) return NONE;
  const first = lower.charCodeAt(0);
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const k = raw[i];
    // the first byte, case-folded, rules out most names without making a string of them
    if (k.length === lower.length && (k[0] | 0x20) === first && k.toString('latin1').toLowerCase() === lower)
      (out ??= []).push(raw[i + 1].toString('latin1'));
  }
  return out ?? NONE;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

const DECODERS: Record<string, (b: Buffer) => Buffer> = {
  gzip: gunzipSync,
  'x-gzip': gunzipSync,
  deflate: inflateSync,
  br: brotliDecompressSync,
};

/** A response body as k6 hands it to the script: decoded from the Content-Encoding it came in. */
function decoded(body: Buffer, raw: Buffer[] | null): Buffer {
  const encoding = headerValue(raw, 'content-encoding')[0];
  if (encoding === undefined || body.length === 0) return body;
  let out = body;
  for (const e of encoding
    .split(',')
    .map((x) => x.trim().toLowerCase())
    .reverse()) {
    if (e === 'identity' || e === '') continue;
    const d = DECODERS[e];
    if (d === undefined)
      throw new Error(
        `the response is encoded with '${e}', which this runner cannot decode (accepted: gzip, deflate, br)`,
      );
    out = d(out);
  }
  return out;
}

/** The jar's cookies for a URL, with the request's own (Params.cookies: sent, never stored) over them. */
function cookieHeader(jar: CookieJar, url: CookieUrl, own: Params['cookies']): string | undefined {
  if (own === undefined) return jar.empty ? undefined : jar.header(url);
  const pairs = new Map<string, string>();
  for (const c of jar.matching(url)) if (!pairs.has(c.name)) pairs.set(c.name, c.value);
  for (const [name, v] of Object.entries(own)) {
    const value = typeof v === 'string' ? v : v.value;
    // k6 adds a request cookie beside a jar cookie of the same name unless it says replace
    if (typeof v === 'object' && v.replace) pairs.set(name, value);
    else pairs.set(pairs.has(name) ? `${name}\u0000` : name, value);
  }
  const list = [...pairs].map(([k, v]) => `${k.replace('\u0000', '')}=${v}`);
  return list.length === 0 ? undefined : list.join('; ');
}

/** Params.auth values other than basic and digest (NTLM): refused at load when written out, else here. */
function checkParams(params: Params | undefined): void {
  const auth = params?.auth;
  if (auth !== undefined && auth !== 'basic' && auth !== 'digest')
    throw new Error(
      `Params.auth '${auth}' is not supported by this runner (accepted: 'basic' and 'digest', with the credentials in the URL)`,
    );
}

/**
 * One request of a script, from its call to its Response, across redirect hops: the operation an
 * interrupt cancels, and the listener the HTTP client reports to. A class with methods, so a request
 * allocates no closures beyond its promise.
 */
class Flight implements PendingOp, ExchangeListener {
  handle: { cancel(): void } | undefined = undefined;
  token: IterationToken | null = null;
  sent = 0;
  cookieUrl: CookieUrl | null = null;
  /** the Digest answer to the server's challenge, once it came */
  authorization: string | undefined = undefined;
  resolve!: (r: Response) => void;
  reject!: (err: unknown) => void;
  constructor(
    readonly ctx: HttpRequests,
    readonly site: { stack?: string },
    public method: string,
    public url: string,
    public body: string | Buffer | null,
    readonly headers: string[],
    readonly params: Params | undefined,
    readonly group: string,
    public redirectsLeft: number,
    readonly jar: CookieJar,
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

/** The per-VU request path of `k6/http`. */
export class HttpRequests {
  private readonly rt: Runtime;
  private readonly samples: RequestSamples;
  /** this VU's own connection per origin */
  private readonly connections = new Map<string, OwnConnection>();

  constructor(
    private readonly vu: VU,
    private readonly client: HttpClient,
  ) {
    this.rt = vu.rt;
    this.samples = new RequestSamples(vu);
  }

  /** Sends one hop of a flight. Throws (invalid URL) before anything is sent. */
  private send(f: Flight): void {
    const vu = this.vu;
    const token = vu.token;
    const method = f.method;
    const p = parseUrl(f.url);
    // the script's headers are shared by all hops; a hop with cookies or credentials gets its own copy
    let headers = f.headers;
    const cookie = cookieHeader(f.jar, p.cookieUrl, f.params?.cookies);
    const auth = f.params?.auth === 'digest' ? f.authorization : p.basicAuth;
    if (cookie !== undefined || auth !== undefined) {
      headers = headers.slice();
      if (cookie !== undefined) headers.push('cookie', cookie);
      if (auth !== undefined) headers.push('authorization', auth);
    }
    let sent = method.length + p.path.length + p.host.length + 30;
    for (let i = 0; i < headers.length; i++) sent += headers[i].length + 2;
    const body = f.body;
    if (body !== null) sent += typeof body === 'string' ? Buffer.byteLength(body) : body.length;
    const params = f.params;
    f.sent = sent;
    f.cookieUrl = p.cookieUrl;
    if (this.rt.httpDebug !== null)
      this.rt.stderr.write(requestDump(method, p.path, p.host, headers, body, this.rt.httpDebug === 'full'));
    f.token = token;
    f.handle = undefined;
    token?.addOp(f);
    f.handle = this.client.send(
      {
        origin: p.origin,
        path: p.path,
        method,
        headers,
        body,
        timeoutMs: timeoutOf(params?.timeout),
        keepBody: params?.responseType !== 'none' && !this.rt.discardResponseBodies,
        reuse: !this.rt.noConnectionReuse,
      },
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

  /** A hop ended: its samples, then the next hop of a redirect or the script's Response. */
  private settle(f: Flight, x: Exchange): void {
    if (x.rawHeaders !== null)
      for (const c of headerValue(x.rawHeaders, 'set-cookie')) f.jar.setFromHeader(f.cookieUrl!, c);
    this.samples.emit(x, f.group, f.method, f.url, f.params, f.sent);
    const rt = this.rt;
    if (rt.httpDebug !== null && x.status !== 0)
      rt.stderr.write(responseDump(x.proto, x.status, x.statusText, x.rawHeaders, x.body, rt.httpDebug === 'full'));
    // k6 logs every request that got no response, unless options.throw turns it into an exception
    if (x.status === 0 && !rt.throwOnError) rt.requestFailed(x.error);
    if (this.digestRetry(f, x) || this.redirect(f, x)) return;
    const params = f.params;
    const responseType = params?.responseType ?? (this.rt.discardResponseBodies ? 'none' : 'text');
    let resBody: string | ArrayBuffer | null = null;
    if (x.body !== null && responseType !== 'none') {
      const b = decoded(x.body, x.rawHeaders);
      resBody =
        responseType === 'binary'
          ? (b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer)
          : b.toString('utf8');
    }
    const timings: Timings = {
      blocked: x.blocked,
      connecting: x.connecting,
      tls_handshaking: 0,
      sending: x.sending,
      waiting: x.waiting,
      receiving: x.receiving,
      duration: x.duration,
    };
    const request = requestInfo(f.method, f.url, typeof f.body === 'string' ? f.body : '', f.headers);
    const status = x.status;
    // options.throw: a request that got no response throws, as k6 then does
    if (status === 0 && this.rt.throwOnError) throw new Error(`${f.method} ${f.url}: ${x.error}`);
    f.resolve(
      new Response(
        status,
        status ? statusLine(status, x.statusText) : '',
        resBody,
        f.url,
        x.error,
        x.errorCode,
        timings,
        request,
        x.rawHeaders,
        x.proto,
        x.tlsVersion,
        x.tlsCipher,
      ),
    );
  }

  /** auth 'digest': a 401 with a Digest challenge is sent again once, answering it (k6 counts both requests) */
  private digestRetry(f: Flight, x: Exchange): boolean {
    if (x.status !== 401 || f.params?.auth !== 'digest' || f.authorization !== undefined) return false;
    const p = parseUrl(f.url);
    const challenge = headerValue(x.rawHeaders, 'www-authenticate').find((v) => /^\s*digest/i.test(v));
    if (challenge === undefined || p.user === undefined) return false;
    f.authorization = digestAuthorization(challenge, p.user, p.pass, f.method, p.path);
    if (f.authorization === undefined) return false;
    this.send(f);
    return true;
  }

  /** Follows a redirect while the flight has hops left: true when it sent the next hop. */
  private redirect(f: Flight, x: Exchange): boolean {
    const status = x.status;
    if (!REDIRECTS.has(status) || f.redirectsLeft <= 0) return false;
    const location = headerValue(x.rawHeaders, 'location')[0];
    if (location === undefined) return false;
    f.redirectsLeft--;
    f.url = new URL(location, f.url).toString();
    if (status === 303 || ((status === 301 || status === 302) && f.method === 'POST')) {
      f.method = 'GET';
      f.body = null;
    }
    this.send(f);
    return true;
  }

  /** Starts a request; the promise settles with its final Response (never on an interrupt). */
  run(
    method: string,
    url: string,
    body: Body,
    params: Params | undefined,
    site: { stack?: string },
  ): Promise<Response> {
    const vu = this.vu;
    const rt = this.rt;
    const headers: string[] = [];
    let hasUa = false;
    if (params?.headers) {
      for (const k in params.headers) {
        headers.push(k, String(params.headers[k]));
        // the length rules out most names without the new string toLowerCase makes
        if (k.length === 10 && k.toLowerCase() === 'user-agent') hasUa = true;
      }
    }
    if (!hasUa) headers.push('user-agent', rt.userAgent);
    let flight: Flight;
    try {
      checkParams(params);
      const encoded = compress(encodeBody(body, headers), params?.compression, headers);
      // samples carry the group the request was started in, even if it ends after the group returned
      flight = new Flight(
        this,
        site,
        method,
        url,
        encoded,
        headers,
        params,
        vu.group,
        params?.redirects ?? rt.maxRedirects,
        params?.jar?.inner ?? vu.jar,
      );
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
