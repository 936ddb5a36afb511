import { Pool, type Dispatcher } from 'undici';

/** What one HTTP exchange produced, with k6's timing phases (ms). */
export interface Exchange {
  status: number;
  statusText: string;
  rawHeaders: Buffer[] | null;
  body: Buffer | null;
  error: string;
  errorCode: number;
  blocked: number;
  sending: number;
  waiting: number;
  receiving: number;
  duration: number;
  receivedBytes: number;
  /** the iteration was interrupted: no samples, no response */
  cancelled: boolean;
}

type Done = (x: Exchange) => void;

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
 * undici's low-level handler: no streams, no promise per phase, just timestamps. This is what lets the
 * runner keep up with autocannon (anchors.md: dispatch ≈ autocannon, request() ≈ half).
 */
class Handler implements Dispatcher.DispatchHandler {
  readonly t0 = now();
  t1 = 0;
  t2 = 0;
  t3 = 0;
  status = 0;
  statusText = '';
  rawHeaders: Buffer[] | null = null;
  chunks: Buffer[] | null = null;
  bytes = 0;
  abortFn: ((err: Error) => void) | null = null;
  cancelled = false;
  settled = false;

  constructor(
    private readonly done: Done,
    private readonly keepBody: boolean,
  ) {}

  onConnect(abort: (err?: Error) => void): void {
    this.t1 = now();
    this.abortFn = abort;
    if (this.cancelled) abort(new Error('iteration interrupted'));
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
    let n = 12 + statusText.length;
    for (let i = 0; i < headers.length; i++) n += headers[i].length + 2;
    this.bytes = n;
    return true;
  }

  onData(chunk: Buffer): boolean {
    this.bytes += chunk.length;
    if (this.keepBody) (this.chunks ??= []).push(chunk);
    return true;
  }

  onComplete(): void {
    if (this.settled) return;
    this.settled = true;
    const t4 = now();
    const t1 = this.t1 || this.t0;
    const body = this.chunks === null ? (this.keepBody ? Buffer.alloc(0) : null) : this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
    this.done({
      status: this.status,
      statusText: this.statusText,
      rawHeaders: this.rawHeaders,
      body,
      error: '',
      errorCode: this.status >= 400 ? 1000 + this.status : 0,
      blocked: t1 - this.t0,
      sending: this.t2 - t1,
      waiting: this.t3 - this.t2,
      receiving: t4 - this.t3,
      duration: t4 - t1,
      receivedBytes: this.bytes,
      cancelled: false,
    });
  }

  onError(err: Error): void {
    if (this.settled) return;
    this.settled = true;
    const t4 = now();
    const t1 = this.t1 || t4;
    const t2 = this.t2 || t1;
    this.done({
      status: 0,
      statusText: '',
      rawHeaders: null,
      body: null,
      error: err.message,
      errorCode: errorCodeOf(err),
      blocked: t1 - this.t0,
      sending: t2 - t1,
      waiting: t4 - t2,
      receiving: 0,
      duration: t4 - t1,
      receivedBytes: this.bytes,
      cancelled: this.cancelled,
    });
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
}

/** One pool per origin, connections opened on demand: like k6's VUs, each in-flight request has its own. */
export class HttpClient {
  private readonly pools = new Map<string, Pool>();
  private closed = false;

  send(o: SendOptions, done: Done): { cancel(): void } {
    let pool = this.pools.get(o.origin);
    if (pool === undefined) {
      pool = new Pool(o.origin, { connections: null, pipelining: 1, keepAliveTimeout: 10_000, connect: { timeout: 10_000 } });
      this.pools.set(o.origin, pool);
    }
    const h = new Handler(done, o.keepBody);
    if (this.closed) {
      h.onError(new Error('the test has ended'));
      return h;
    }
    pool.dispatch(
      {
        path: o.path,
        method: o.method as Dispatcher.HttpMethod,
        headers: o.headers,
        body: o.body,
        headersTimeout: o.timeoutMs,
        bodyTimeout: o.timeoutMs,
        reset: false,
      },
      h,
    );
    return h;
  }

  async close(): Promise<void> {
    this.closed = true;
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((p) => p.destroy().catch(() => {})));
  }
}
