import type { TLSSocket } from 'node:tls';
import { createRequire } from 'node:module';
import type { buildConnector, Client, Dispatcher, Pool } from 'undici';
import { clientCertFor, k6TlsVersion, type TlsSettings } from './tls.ts';
import { PlainConnection, plainCanCarry, type ResponseHandler } from './plain-connection.ts';

let undiciModule: typeof import('undici') | undefined;
/** undici, loaded on first use: a run of sequential plain-http requests never needs it, and every run's
 * thread would otherwise pay for loading it */
function undici(): typeof import('undici') {
  undiciModule ??= createRequire(import.meta.url)('undici') as typeof import('undici');
  return undiciModule;
}

/** What one HTTP exchange produced, with k6's timing phases (ms). */
export interface Exchange {
  status: number;
  statusText: string;
  rawHeaders: Buffer[] | null;
  body: Buffer | null;
  error: string;
  errorCode: number;
  blocked: number;
  /** TCP connect time when this request opened its connection (plain http; 0 on undici's path) */
  connecting: number;
  sending: number;
  waiting: number;
  receiving: number;
  duration: number;
  receivedBytes: number;
  /** the iteration was interrupted: no samples, no response */
  cancelled: boolean;
  /** k6's proto: HTTP/1.1, or HTTP/2.0 where TLS negotiated h2; empty without a response */
  proto: string;
  /** over TLS: k6's tls_version (`tls1.3`) and the cipher suite's standard name */
  tlsVersion: string;
  tlsCipher: string;
}

/** What an https origin's connections negotiated. */
interface Negotiated {
  protocol: string;
  tlsVersion: string;
  cipher: string;
}

/** Told once when an exchange ends; a method rather than a closure, so a request allocates no callback. */
export interface ExchangeListener {
  onExchange(x: Exchange): void;
}

const now = () => performance.now();

/** k6's error codes (D/javascript-api/error-codes) for the failures a loopback test can meet. */
function errorCodeOf(err: Error & { code?: string }): number {
  switch (err.code) {
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 1050;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 1101;
    case 'ECONNREFUSED':
      return 1212;
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
    case 'EPIPE':
      return 1220;
    default:
      return 1000;
  }
}

/**
 * One request's handler, for both paths: undici's low-level dispatch (https, concurrent requests) and the
 * runner's own plain-http connection, which makes the same calls. No streams, no promise per phase, just
 * timestamps; the handler is also the Exchange it reports, so a request allocates no result object.
 */
class Handler implements Dispatcher.DispatchHandler, ResponseHandler, Exchange {
  readonly t0 = now();
  t1 = 0;
  t2 = 0;
  t3 = 0;
  status = 0;
  statusText = '';
  rawHeaders: Buffer[] | null = null;
  body: Buffer | null = null;
  error = '';
  errorCode = 0;
  blocked = 0;
  connecting = 0;
  sending = 0;
  waiting = 0;
  receiving = 0;
  duration = 0;
  receivedBytes = 0;
  chunks: Buffer[] | null = null;
  abortFn: ((err: Error) => void) | null = null;
  cancelled = false;
  settled = false;
  /** the VU's own connection this request is on, freed when it settles */
  conn: OwnConnection | null = null;
  proto = '';
  tlsVersion = '';
  tlsCipher = '';
  /** https: what its origin's connections negotiated (ALPN, TLS), read when the response comes */
  alpn: Negotiated | null = null;

  constructor(
    private readonly listener: ExchangeListener,
    private readonly keepBody: boolean,
  ) {}

  onConnect(abort: (err?: Error) => void): void {
    this.t1 = now();
    this.abortFn = abort;
    if (this.cancelled) abort(new Error('iteration interrupted'));
  }

  onTcpConnect(ms: number): void {
    this.connecting = ms;
  }

  onRequestSent(): void {
    this.t2 = now();
  }

  onHeaders(status: number, headers: Buffer[], _resume: () => void, statusText: string): boolean {
    this.t3 = now();
    if (this.t2 === 0) this.t2 = this.t3;
    this.status = status;
    this.statusText = statusText;
    this.rawHeaders = headers;
    const alpn = this.alpn;
    this.proto = alpn !== null && alpn.protocol === 'h2' ? 'HTTP/2.0' : 'HTTP/1.1';
    if (alpn !== null) {
      this.tlsVersion = alpn.tlsVersion;
      this.tlsCipher = alpn.cipher;
    }
    let n = 12 + statusText.length;
    for (let i = 0; i < headers.length; i++) n += headers[i].length + 2;
    this.receivedBytes = n;
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.receivedBytes += chunk.length;
    if (this.keepBody) (this.chunks ??= []).push(chunk);
    return true;
  }

  onComplete(): void {
    if (this.settled) return;
    this.settled = true;
    if (this.conn !== null) this.conn.busy = false;
    const t4 = now();
    const t1 = this.t1 || this.t0;
    const chunks = this.chunks;
    this.body =
      chunks === null
        ? this.keepBody
          ? Buffer.alloc(0)
          : null
        : chunks.length === 1
          ? chunks[0]
          : Buffer.concat(chunks);
    this.chunks = null;
    this.errorCode = this.status >= 400 ? 1000 + this.status : 0;
    this.blocked = t1 - this.t0;
    this.sending = this.t2 - t1;
    this.waiting = this.t3 - this.t2;
    this.receiving = t4 - this.t3;
    this.duration = t4 - t1;
    this.cancelled = false;
    this.listener.onExchange(this);
  }

  onError(err: Error): void {
    if (this.settled) return;
    this.settled = true;
    if (this.conn !== null) this.conn.busy = false;
    const t4 = now();
    const t1 = this.t1 || t4;
    const t2 = this.t2 || t1;
    this.status = 0;
    this.statusText = '';
    this.proto = '';
    this.rawHeaders = null;
    this.body = null;
    this.chunks = null;
    this.error = err.message;
    this.errorCode = errorCodeOf(err);
    this.blocked = t1 - this.t0;
    this.sending = t2 - t1;
    this.waiting = t4 - t2;
    this.receiving = 0;
    this.duration = t4 - t1;
    this.listener.onExchange(this);
  }

  cancel(): void {
    this.cancelled = true;
    this.abortFn?.(new Error('iteration interrupted'));
  }
}

export interface SendOptions {
  origin: string;
  path: string;
  method: string;
  headers: string[];
  body: string | Buffer | null;
  timeoutMs: number;
  keepBody: boolean;
  /** false: a connection of its own, closed after the response (options.noConnectionReuse) */
  reuse: boolean;
}

/**
 * A VU's own connection to one origin. k6 gives each VU its own connections; a VU that awaits each
 * request needs exactly one. Plain http gets the runner's own connection (plain-connection.ts: about a third
 * less CPU per request than undici's client, each measured alone on loopback), https an undici client.
 */
export interface OwnConnection {
  /** plain http: the runner's own lean connection; https: an undici client */
  client: Client | PlainConnection;
  /** a request of this VU is on it: a concurrent one (batch, no await) goes to the shared pool */
  busy: boolean;
}

const CONNECTION_OPTIONS = { pipelining: 1, keepAliveTimeout: 10_000 };
const CONNECT_TIMEOUT_MS = 10_000;

/**
 * Connections opened on demand: like k6's VUs, each in-flight request has its own. A VU's sequential
 * requests use its own connection per origin; its concurrent ones a shared pool per origin.
 */
export class HttpClient {
  private readonly pools = new Map<string, Pool>();
  private readonly own = new Set<Client | PlainConnection>();
  private closed = false;
  /** set from options.insecureSkipTLSVerify before the first request */
  insecureSkipTLSVerify = false;
  /** options.tlsVersion, tlsCipherSuites, tlsAuth: set before the first request */
  tls: TlsSettings = { auth: [] };
  /** per https origin, what its connections negotiated: ALPN (k6 offers h2 and uses it when agreed), TLS */
  private readonly alpn = new Map<string, Negotiated>();

  /** undici's options for an origin: over TLS h2 is offered, and what the server picked is noted */
  private connectionOptions(origin: string): Client.Options {
    if (!origin.startsWith('https:')) return { ...CONNECTION_OPTIONS, connect: { timeout: CONNECT_TIMEOUT_MS } };
    const noted = this.alpn.get(origin) ?? { protocol: 'http/1.1', tlsVersion: '', cipher: '' };
    this.alpn.set(origin, noted);
    const tls = this.tls;
    const cert = clientCertFor(tls, new URL(origin).hostname);
    const base = undici().buildConnector({
      timeout: CONNECT_TIMEOUT_MS,
      allowH2: true,
      rejectUnauthorized: !this.insecureSkipTLSVerify,
      ...(tls.minVersion ? { minVersion: tls.minVersion } : {}),
      ...(tls.maxVersion ? { maxVersion: tls.maxVersion } : {}),
      ...(tls.ciphers ? { ciphers: tls.ciphers } : {}),
      ...(cert ? { cert: cert.cert, key: cert.key, passphrase: cert.passphrase } : {}),
    });
    const connect: buildConnector.connector = (opts, cb) =>
      base(opts, (err, socket) => {
        if (err === null) {
          const t = socket as TLSSocket;
          noted.protocol = t.alpnProtocol || 'http/1.1';
          noted.tlsVersion = k6TlsVersion(t.getProtocol?.());
          noted.cipher = t.getCipher?.()?.standardName ?? '';
        }
        cb(err, socket as never);
      });
    return { ...CONNECTION_OPTIONS, allowH2: true, connect };
  }

  send(o: SendOptions, listener: ExchangeListener, vuConnections?: Map<string, OwnConnection>): { cancel(): void } {
    const h = new Handler(listener, o.keepBody);
    if (this.closed) {
      h.onError(new Error('the test has ended'));
      return h;
    }
    let dispatcher: Dispatcher;
    const plain = o.origin.startsWith('http:') && plainCanCarry(o.headers);
    // no reuse: a connection of its own for this request alone, which then closes (k6 reports its connect time)
    if (!o.reuse && plain) {
      const once = new PlainConnection(o.origin, true, (c) => this.own.delete(c));
      this.own.add(once);
      once.dispatch(o, h);
      return h;
    }
    let conn = o.reuse ? vuConnections?.get(o.origin) : undefined;
    if (o.reuse && vuConnections !== undefined && conn === undefined) {
      conn = {
        client: o.origin.startsWith('http:')
          ? new PlainConnection(o.origin)
          : new (undici().Client)(o.origin, this.connectionOptions(o.origin)),
        busy: false,
      };
      vuConnections.set(o.origin, conn);
      this.own.add(conn.client);
    }
    if (conn !== undefined && !conn.busy && conn.client instanceof PlainConnection) {
      if (plain) {
        conn.busy = true;
        h.conn = conn;
        conn.client.dispatch(o, h);
        return h;
      }
      conn = undefined;
    }
    if (conn !== undefined && !conn.busy) {
      conn.busy = true;
      h.conn = conn;
      dispatcher = conn.client as Client;
    } else {
      let pool = this.pools.get(o.origin);
      if (pool === undefined) {
        pool = new (undici().Pool)(o.origin, { connections: null, ...this.connectionOptions(o.origin) });
        this.pools.set(o.origin, pool);
      }
      dispatcher = pool;
    }
    h.alpn = this.alpn.get(o.origin) ?? null;
    dispatcher.dispatch(
      {
        path: o.path,
        method: o.method as Dispatcher.HttpMethod,
        headers: o.headers,
        body: o.body,
        headersTimeout: o.timeoutMs,
        bodyTimeout: o.timeoutMs,
        reset: !o.reuse,
      },
      h,
    );
    return h;
  }

  async close(): Promise<void> {
    this.closed = true;
    const all: { destroy(): Promise<void> }[] = [...this.pools.values(), ...this.own];
    this.pools.clear();
    this.own.clear();
    await Promise.all(all.map((p) => p.destroy().catch(() => {})));
  }
}
