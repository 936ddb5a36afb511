// k6's Response and what it is built from (k6's response.go).
import { parseHTML, type Selection } from '../html.ts';

export interface Timings {
  blocked: number;
  connecting: number;
  tls_handshaking: number;
  sending: number;
  waiting: number;
  receiving: number;
  duration: number;
}

export interface RequestInfo {
  method: string;
  url: string;
  headers: Record<string, string[]>;
  body: string;
}

function canonical(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_m, d: string, c: string) => d + c.toUpperCase());
}

/**
 * `Content-Type` for `content-type` or `CONTENT-TYPE`: the same few names come on every request, so they are
 * cached as given, which spares a toLowerCase (a new string each time) per header and request.
 */
const canonicalNames = new Map<string, string>();
function canonicalName(name: string): string {
  let c = canonicalNames.get(name);
  if (c === undefined) {
    c = canonical(name.toLowerCase());
    if (canonicalNames.size < 10_000) canonicalNames.set(name, c);
  }
  return c;
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
    readonly request: RequestInfo,
    private readonly rawHeaders: Buffer[] | null,
    readonly proto: string,
    readonly tls_version: string,
    readonly tls_cipher_suite: string,
  ) {}
  /** k6's OCSP details: no stapled response is asked for here, so 'unknown' over TLS (as k6 without one), else empty */
  get ocsp(): {
    produced_at: number;
    this_update: number;
    next_update: number;
    revoked_at: number;
    revocation_reason: string;
    status: string;
  } {
    const tls = this.status !== 0 && this.url.startsWith('https:');
    return {
      produced_at: 0,
      this_update: 0,
      next_update: 0,
      revoked_at: 0,
      revocation_reason: '',
      status: tls ? 'unknown' : '',
    };
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
  /** the body as a k6/html Selection (of `selector` within it when given) */
  html(selector?: string): Selection {
    if (typeof this.body !== 'string')
      throw new Error('html(): the response body is not text (responseType must be text)');
    const doc = parseHTML(this.body);
    return selector === undefined ? doc : doc.find(selector);
  }
  json(selector?: string): unknown {
    if (typeof this.body !== 'string')
      throw new Error('json(): the response body is not text (responseType must be text)');
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

/**
 * `response.request`: the request as sent (without the jar's cookies), with its headers in k6's
 * `{Name: [values]}` form. A plain object, like k6's; an object literal with a getter costs a slow
 * property definition per request, which the headers built here at once do not.
 */
export function requestInfo(method: string, url: string, body: string, headers: string[]): RequestInfo {
  const h: Record<string, string[]> = {};
  for (let i = 0; i + 1 < headers.length; i += 2) (h[canonicalName(headers[i])] ??= []).push(headers[i + 1]);
  return { method, url, body, headers: h };
}

/** `200 OK`, made once per distinct status line rather than per response. */
const statusLines = new Map<number, { text: string; line: string }>();
export function statusLine(status: number, text: string): string {
  const c = statusLines.get(status);
  if (c !== undefined && c.text === text) return c.line;
  const line = `${status} ${text}`;
  if (statusLines.size < 1000) statusLines.set(status, { text, line });
  return line;
}
