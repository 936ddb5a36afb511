// What a script passes with a request: its body and Params (k6's request.go reads these).
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { parseDuration } from '../../duration.ts';
import type { CookieJar } from '../../http/cookies.ts';
import type { ExpectedStatuses } from '../../http/expected.ts';

export type Body = string | ArrayBuffer | Uint8Array | Record<string, unknown> | null | undefined;

export interface Params {
  headers?: Record<string, string | number>;
  tags?: Record<string, string | number | boolean>;
  timeout?: string | number;
  responseType?: 'text' | 'binary' | 'none';
  responseCallback?: ExpectedStatuses | null;
  redirects?: number;
  cookies?: Record<string, string | { value: string; replace?: boolean }>;
  /** a jar of http.cookieJar() or new http.CookieJar(), instead of the VU's */
  jar?: { inner: CookieJar };
  /** 'basic' or 'digest' (credentials from the URL); 'ntlm' is refused */
  auth?: string;
  /** the request body compressed with these, in order: gzip, deflate, br */
  compression?: string;
}

const COMPRESSORS: Record<string, (b: Buffer) => Buffer> = {
  gzip: gzipSync,
  deflate: deflateSync,
  br: brotliCompressSync,
};

/** Params.compression: the body compressed, and the Content-Encoding header that says how. */
export function compress(
  body: string | Buffer | null,
  compression: string | undefined,
  headers: string[],
): string | Buffer | null {
  if (compression === undefined || compression === '' || body === null) return body;
  const algorithms = compression.split(',').map((a) => a.trim());
  let out = Buffer.isBuffer(body) ? body : Buffer.from(body);
  for (const a of algorithms) {
    const c = COMPRESSORS[a];
    if (c === undefined)
      throw new Error(`Params.compression '${a}' is not supported (accepted: ${Object.keys(COMPRESSORS).join(', ')})`);
    out = c(out);
  }
  headers.push('content-encoding', algorithms.join(', '));
  return out;
}

function formValue(v: unknown): string {
  if (v === null || v === undefined) return '';
  // k6 sends a nested object or array as an empty value (and says to JSON.stringify it)
  if (typeof v === 'object') return '';
  return String(v);
}

/** A request body as sent: objects are form-encoded, with the content type k6 sets for them. */
export function encodeBody(body: Body, headers: string[]): string | Buffer | null {
  if (body === null || body === undefined) return null;
  if (typeof body === 'string') return body;
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  // as k6 (Go's url.Values): keys sorted, an array value repeats its key, null is empty
  const form = new URLSearchParams();
  for (const k of Object.keys(body).sort()) {
    const v = body[k];
    if (Array.isArray(v)) for (const el of v) form.append(k, formValue(el));
    else form.append(k, formValue(v));
  }
  if (!headers.some((h, i) => i % 2 === 0 && h.toLowerCase() === 'content-type'))
    headers.push('content-type', 'application/x-www-form-urlencoded');
  return form.toString();
}

const DEFAULT_TIMEOUT_MS = 60_000;
const timeoutCache = new Map<string | number, number>();

/** Params.timeout in ms: a k6 duration or a number of ms; 60 s when not given. */
let lastTimeout: string | number | undefined;
let lastTimeoutMs = DEFAULT_TIMEOUT_MS;
export function timeoutOf(t: string | number | undefined): number {
  if (t === undefined) return DEFAULT_TIMEOUT_MS;
  // a script passes the same timeout on every request: one comparison instead of a map lookup
  if (t === lastTimeout) return lastTimeoutMs;
  let ms = timeoutCache.get(t);
  if (ms === undefined) {
    ms = typeof t === 'number' ? t : parseDuration(t, 'http timeout');
    timeoutCache.set(t, ms);
  }
  lastTimeout = t;
  lastTimeoutMs = ms;
  return ms;
}
