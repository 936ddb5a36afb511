// Sending one request of a script and following its redirects, with the VU's cookies (k6's request.go).
import type { Exchange, ExchangeListener, HttpClient, OwnConnection } from '../../http/client.ts';
import type { IterationToken, PendingOp, Runtime, VU } from '../../runtime.ts';
import { encodeBody, timeoutOf, type Body, type Params } from './params.ts';
import { requestInfo, Response, statusLine, type Timings } from './response.ts';
import { RequestSamples } from './samples.ts';

interface ParsedUrl {
  origin: string;
  path: string;
  host: string;
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
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`unsupported URL scheme in '${url}' (accepted: http, https)`);
  p = { origin: u.origin, path: `${u.pathname}${u.search}`, host: u.host };
  if (urlCache.size > 50_000) urlCache.clear();
  urlCache.set(url, p);
  return p;
}

/** Every value of one response header, by its lower-case name. */
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

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

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
    readonly ctx: HttpRequests,
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
    f.sent = sent;
    f.host = p.host;
    f.token = token;
    f.handle = undefined;
    token?.addOp(f);
    f.handle = this.client.send(
      { origin: p.origin, path: p.path, method, headers, body, timeoutMs: timeoutOf(params?.timeout), keepBody: params?.responseType !== 'none' && !this.rt.discardResponseBodies },
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
    if (x.rawHeaders !== null) for (const c of headerValue(x.rawHeaders, 'set-cookie')) this.vu.jar.setFromHeader(f.host, c);
    this.samples.emit(x, f.group, f.method, f.url, f.params, f.sent);
    if (this.redirect(f, x)) return;
    const params = f.params;
    const responseType = params?.responseType ?? (this.rt.discardResponseBodies ? 'none' : 'text');
    let resBody: string | ArrayBuffer | null = null;
    if (x.body !== null && responseType !== 'none') {
      resBody = responseType === 'binary' ? (x.body.buffer.slice(x.body.byteOffset, x.body.byteOffset + x.body.byteLength) as ArrayBuffer) : x.body.toString('utf8');
    }
    const timings: Timings = { blocked: x.blocked, connecting: 0, tls_handshaking: 0, sending: x.sending, waiting: x.waiting, receiving: x.receiving, duration: x.duration };
    const request = requestInfo(f.method, f.url, typeof f.body === 'string' ? f.body : '', f.headers);
    const status = x.status;
    f.resolve(new Response(status, status ? statusLine(status, x.statusText) : '', resBody, f.url, x.error, x.errorCode, timings, request, x.rawHeaders));
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
      flight = new Flight(this, site, method, url, encodeBody(body, headers), headers, params, vu.group, params?.redirects ?? rt.maxRedirects);
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
