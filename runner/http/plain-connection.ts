// A VU's own keep-alive HTTP/1.1 connection to one plain-http origin, one request at a time, as k6's VUs
// hold theirs. It exists for speed: a VU awaits each request, so it needs no pool, no queue and no stream
// per response; alone on loopback it took about a third less CPU per request than undici's client. Anything
// it does not take (https, a script's own Host or framing headers) goes to undici instead.
import net from 'node:net';
import { ProtocolError, ResponseParser, type ResponseSink } from './response-parser.ts';

/** The calls undici makes on a dispatch handler, which this connection makes in the same order. */
export interface ResponseHandler {
  /** this request opened the connection, which took `ms` (k6's http_req_connecting) */
  onTcpConnect?(ms: number): void;
  onConnect(abort: (err?: Error) => void): void;
  onRequestSent(): void;
  onHeaders(status: number, headers: Buffer[], resume: () => void, statusText: string): boolean;
  onData(chunk: Buffer): boolean;
  onComplete(trailers: string[] | null): void;
  onError(err: Error): void;
}

export interface PlainRequest {
  path: string;
  method: string;
  /** name, value, name, value, ... */
  headers: string[];
  body: string | Buffer | null;
  /** the whole exchange, connect included */
  timeoutMs: number;
}

/** An error with the code undici would give, so k6's error code is the same on either path. */
function coded(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

// header names whose meaning is the connection's own: a request that sets one goes to undici
const FRAMING = new Set([
  'host',
  'connection',
  'content-length',
  'transfer-encoding',
  'expect',
  'upgrade',
  'keep-alive',
  'te',
  'trailer',
]);
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const BAD_VALUE = /[\r\n\0]/;
const WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);
const CONNECT_TIMEOUT_MS = 10_000;
// a server's advertised keep-alive timeout, less this, is when an idle connection is no longer trusted
const KEEP_ALIVE_MARGIN_MS = 1_000;
const noop = () => {};

/** Whether this connection can carry a request with these headers (the others keep undici's checks). */
export function plainCanCarry(headers: string[]): boolean {
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i];
    if (name.length <= 17 && FRAMING.has(name.toLowerCase())) return false;
  }
  return true;
}

export class PlainConnection implements ResponseSink {
  private socket: net.Socket | null = null;
  private connected = false;
  private connectStart = 0;
  private connectMs = 0;
  /** requests the current socket has carried: a failure on a reused one may be a stale keep-alive */
  private carried = 0;
  private idleUntil = Infinity;
  private handler: ResponseHandler | null = null;
  private request: PlainRequest | null = null;
  private retried = false;
  private deadline = 0;
  private timer: NodeJS.Timeout | null = null;
  private timerMs = 0;
  private destroyed = false;
  private readonly parser = new ResponseParser(this);
  private readonly host: string;
  private readonly port: number;
  private readonly hostHeader: string;
  private readonly abortBound = (err?: Error) => this.abort(err);
  private readonly onTimerBound = () => this.onTimer();

  /**
   * `once`: one request, then the connection closes (options.noConnectionReuse), and says so to the server;
   * `onDestroyed` hears when it has closed for good.
   */
  constructor(
    origin: string,
    private readonly once = false,
    private readonly onDestroyed?: (c: PlainConnection) => void,
    /** the name lookup (node's by default; a test gives a slow one) */
    private readonly lookup?: net.LookupFunction,
  ) {
    const u = new URL(origin);
    this.host = u.hostname.replace(/^\[|\]$/g, '');
    this.port = Number(u.port || 80);
    this.hostHeader = u.host;
  }

  dispatch(req: PlainRequest, h: ResponseHandler): void {
    if (this.destroyed) return h.onError(coded('the test has ended', 'UND_ERR_DESTROYED'));
    if (this.handler !== null) return h.onError(new Error('a plain connection carries one request at a time'));
    for (let i = 0; i < req.headers.length; i += 2) {
      if (!TOKEN.test(req.headers[i]))
        return h.onError(coded(`invalid header name '${req.headers[i]}'`, 'UND_ERR_INVALID_ARG'));
      if (BAD_VALUE.test(req.headers[i + 1]))
        return h.onError(coded(`invalid value of header '${req.headers[i]}'`, 'UND_ERR_INVALID_ARG'));
    }
    this.handler = h;
    this.request = req;
    this.retried = false;
    this.deadline = performance.now() + req.timeoutMs;
    this.parser.expect(req.method === 'HEAD');
    this.arm(req.timeoutMs);
    if (this.socket !== null && performance.now() > this.idleUntil) this.drop();
    if (this.socket === null) this.connect();
    else this.write();
  }

  /** Stops for good: the request in flight, if any, fails. */
  destroy(): Promise<void> {
    if (this.destroyed) return Promise.resolve();
    this.destroyed = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.fail(coded('the test has ended', 'UND_ERR_DESTROYED'));
    this.drop();
    this.onDestroyed?.(this);
    return Promise.resolve();
  }

  /** One timer per connection, re-armed per request: cheaper than a timer each. */
  private arm(ms: number): void {
    if (this.timer !== null && this.timerMs === ms) this.timer.refresh();
    else {
      if (this.timer !== null) clearTimeout(this.timer);
      this.timer = setTimeout(this.onTimerBound, ms);
      this.timer.unref();
      this.timerMs = ms;
    }
  }

  private onTimer(): void {
    if (this.handler === null) return;
    const left = this.deadline - performance.now();
    if (left > 1) return this.arm(left);
    if (!this.connected) this.fail(coded('connect timeout', 'UND_ERR_CONNECT_TIMEOUT'));
    else this.fail(coded('request timeout', 'UND_ERR_HEADERS_TIMEOUT'));
  }

  private connect(): void {
    this.connectStart = performance.now();
    this.connectMs = 0;
    const s = net.connect({ host: this.host, port: this.port, noDelay: true, lookup: this.lookup });
    this.socket = s;
    // k6's http_req_connecting is the TCP connect alone: the name lookup before it counts as blocked only
    s.once('lookup', () => {
      if (this.socket === s) this.connectStart = performance.now();
    });
    this.connected = false;
    this.carried = 0;
    this.idleUntil = Infinity;
    // the connect gets at most 10 s of the request's time, as undici's connect timeout did
    const connectMs = Math.min(this.deadline - performance.now(), CONNECT_TIMEOUT_MS);
    if (connectMs < this.deadline - performance.now()) {
      const t = setTimeout(() => {
        if (this.socket === s && !this.connected) this.fail(coded('connect timeout', 'UND_ERR_CONNECT_TIMEOUT'));
      }, connectMs);
      t.unref();
      s.once('connect', () => clearTimeout(t));
    }
    s.once('connect', () => {
      if (this.socket !== s) return;
      this.connected = true;
      this.connectMs = performance.now() - this.connectStart;
      if (this.handler !== null) this.write();
    });
    s.on('data', (d: Buffer) => {
      if (this.socket === s) this.onData(d);
    });
    s.on('error', (err) => {
      if (this.socket === s) this.onSocketEnd(err);
    });
    s.on('close', () => {
      if (this.socket === s) this.onSocketEnd(null);
    });
  }

  private write(): void {
    const s = this.socket!;
    const req = this.request!;
    const h = this.handler!;
    if (this.carried === 0) h.onTcpConnect?.(this.connectMs);
    h.onConnect(this.abortBound);
    if (this.handler !== h) return;
    // HTTP/1.1 keeps the connection open unless told otherwise: no Connection header, as Go's client (k6) sends none
    let head = `${req.method} ${req.path} HTTP/1.1\r\nhost: ${this.hostHeader}\r\n${this.once ? 'connection: close\r\n' : ''}`;
    const headers = req.headers;
    for (let i = 0; i < headers.length; i += 2) head += `${headers[i]}: ${headers[i + 1]}\r\n`;
    const body = req.body;
    if (body !== null)
      head += `content-length: ${typeof body === 'string' ? Buffer.byteLength(body) : body.length}\r\n\r\n`;
    else head += WITH_BODY.has(req.method) ? 'content-length: 0\r\n\r\n' : '\r\n';
    this.carried++;
    if (body === null || body.length === 0) s.write(head, 'latin1');
    else if (typeof body === 'string') s.write(head + body);
    else {
      s.cork();
      s.write(head, 'latin1');
      s.write(body);
      s.uncork();
    }
    h.onRequestSent();
  }

  private onData(d: Buffer): void {
    if (this.handler === null) {
      // bytes on an idle connection: nothing can be trusted on it any more
      this.drop();
      return;
    }
    try {
      this.parser.feed(d);
    } catch (err) {
      if (this.handler !== null) this.fail(err as Error);
      else this.drop();
    }
  }

  private onSocketEnd(err: Error | null): void {
    this.socket = null;
    this.connected = false;
    if (this.handler === null) return;
    if (this.parser.end()) return;
    const req = this.request!;
    // a kept-alive connection the server closed as the request went out: once, on a new one, if safe to repeat
    if (!this.parser.started && this.carried > 1 && !this.retried && IDEMPOTENT.has(req.method)) {
      this.retried = true;
      this.connect();
      return;
    }
    this.fail(err ?? coded('other side closed', 'UND_ERR_SOCKET'));
  }

  headers(status: number, statusText: string, raw: Buffer[]): void {
    this.handler?.onHeaders(status, raw, noop, statusText);
  }

  data(chunk: Buffer): void {
    this.handler?.onData(chunk);
  }

  complete(): void {
    const h = this.handler!;
    this.handler = null;
    this.request = null;
    // the socket's fate is settled before the handler hears, since it may send its next request at once
    if (this.once) void this.destroy();
    else if (this.parser.closeAfter) this.drop();
    else
      this.idleUntil =
        this.parser.keepAliveS > 0
          ? performance.now() + this.parser.keepAliveS * 1000 - KEEP_ALIVE_MARGIN_MS
          : Infinity;
    h.onComplete(null);
  }

  private abort(err?: Error): void {
    this.fail(err ?? new Error('aborted'));
  }

  /** Ends the request in flight with an error; the connection is not trusted after it. */
  private fail(err: Error): void {
    const h = this.handler;
    if (h === null) return;
    this.handler = null;
    this.request = null;
    this.drop();
    if (this.once) void this.destroy();
    h.onError(err instanceof ProtocolError ? coded(`invalid response: ${err.message}`, err.code) : err);
  }

  private drop(): void {
    const s = this.socket;
    this.socket = null;
    this.connected = false;
    s?.destroy();
  }
}
