// An HTTP/1.1 response read incrementally from a socket: status line and headers, then a body framed by
// Content-Length, chunked transfer coding or the end of the connection (RFC 9112 section 6). Only what a
// client of one request at a time needs: no pipelining, no upgrades.

/** What the parser tells as it reads; one response at a time. */
export interface ResponseSink {
  headers(status: number, statusText: string, raw: Buffer[]): void;
  data(chunk: Buffer): void;
  complete(): void;
}

/** A response that breaks HTTP/1.1: the connection cannot be trusted any more. */
export class ProtocolError extends Error {
  readonly code = 'UND_ERR_SOCKET';
}

const MAX_HEAD = 64 * 1024;
const CR = 13;
const LF = 10;

enum State {
  Head,
  Fixed,
  ChunkSize,
  ChunkData,
  ChunkDataEnd,
  Trailers,
  UntilClose,
  Done,
}

/** Lower-case ASCII name compare without making a string of the header name. */
function nameIs(b: Buffer, lower: string): boolean {
  if (b.length !== lower.length) return false;
  for (let i = 0; i < b.length; i++) if ((b[i] | 0x20) !== lower.charCodeAt(i)) return false;
  return true;
}

export class ResponseParser {
  private state = State.Done;
  private head: Buffer | null = null;
  private remaining = 0;
  private line = '';
  private noBody = false;
  /** the response said `Connection: close`, or ends with the connection */
  closeAfter = false;
  /** seconds from the response's `Keep-Alive: timeout=N`, or 0 */
  keepAliveS = 0;
  /** bytes of the current response seen so far, head included */
  received = 0;

  constructor(private readonly sink: ResponseSink) {}

  /** Expects a new response; `headRequest`: its body is empty whatever the headers say. */
  expect(headRequest: boolean): void {
    this.state = State.Head;
    this.head = null;
    this.noBody = headRequest;
    this.closeAfter = false;
    this.keepAliveS = 0;
    this.received = 0;
  }

  get idle(): boolean {
    return this.state === State.Done;
  }

  /** Whether bytes of the current response have arrived (a reused connection that failed before any may be retried). */
  get started(): boolean {
    return this.received > 0;
  }

  /** The connection ended: completes a body that runs to the close, else it is cut short (false). */
  end(): boolean {
    if (this.state === State.UntilClose) {
      this.state = State.Done;
      this.sink.complete();
      return true;
    }
    return this.state === State.Done;
  }

  /** Feeds bytes from the socket; throws ProtocolError on a malformed response or bytes after it. */
  feed(chunk: Buffer): void {
    this.received += chunk.length;
    let b = chunk;
    let at = 0;
    while (at < b.length) {
      switch (this.state) {
        case State.Head: {
          if (this.head !== null) {
            b = Buffer.concat([this.head, b.subarray(at)]);
            at = 0;
            this.head = null;
          }
          const end = b.indexOf('\r\n\r\n', at, 'latin1');
          if (end < 0) {
            if (b.length - at > MAX_HEAD) throw new ProtocolError('the response headers are larger than 64 KiB');
            this.head = b.subarray(at);
            return;
          }
          at = this.onHead(b, at, end);
          break;
        }
        // a Content-Length body, or one chunk's data: `remaining` bytes, then the end or the chunk's CRLF
        case State.Fixed:
        case State.ChunkData: {
          const n = Math.min(this.remaining, b.length - at);
          this.sink.data(b.subarray(at, at + n));
          at += n;
          this.remaining -= n;
          if (this.remaining > 0) break;
          if (this.state === State.Fixed) this.finish();
          else this.state = State.ChunkDataEnd;
          break;
        }
        case State.UntilClose:
          this.sink.data(at === 0 ? b : b.subarray(at));
          return;
        case State.ChunkSize:
        case State.Trailers:
        case State.ChunkDataEnd:
          at = this.onLine(b, at);
          break;
        case State.Done:
          throw new ProtocolError('the server sent bytes that belong to no request');
      }
    }
  }

  /** Reads one head ending at `end` (the blank line); returns where its body starts. */
  private onHead(b: Buffer, at: number, end: number): number {
    // "HTTP/1.x NNN reason"
    if (end - at < 12 || b[at] !== 0x48 || b.toString('latin1', at, at + 7) !== 'HTTP/1.' || b[at + 8] !== 0x20)
      throw new ProtocolError('the server did not answer with HTTP/1.x');
    const d0 = b[at + 9] - 48;
    const d1 = b[at + 10] - 48;
    const d2 = b[at + 11] - 48;
    if (d0 < 1 || d0 > 9 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9)
      throw new ProtocolError('the response has no valid status code');
    const status = d0 * 100 + d1 * 10 + d2;
    const http10 = b[at + 7] === 0x30;
    let lineEnd = b.indexOf(CR, at);
    const statusText = lineEnd > at + 13 ? b.toString('latin1', at + 13, lineEnd) : '';
    const raw: Buffer[] = [];
    let length = -1;
    let chunked = false;
    let close = http10;
    let i = lineEnd + 2;
    while (i < end) {
      lineEnd = b.indexOf(CR, i);
      const colon = b.indexOf(0x3a, i);
      if (colon < 0 || colon > lineEnd || colon === i)
        throw new ProtocolError('the response has a malformed header line');
      let vs = colon + 1;
      while (vs < lineEnd && (b[vs] === 0x20 || b[vs] === 0x09)) vs++;
      let ve = lineEnd;
      while (ve > vs && (b[ve - 1] === 0x20 || b[ve - 1] === 0x09)) ve--;
      const name = b.subarray(i, colon);
      const value = b.subarray(vs, ve);
      raw.push(name, value);
      const c = name[0] | 0x20;
      if (c === 0x63 && nameIs(name, 'content-length')) {
        const n = Number(value.toString('latin1'));
        if (!Number.isSafeInteger(n) || n < 0 || (length >= 0 && length !== n))
          throw new ProtocolError('the response has an invalid Content-Length');
        length = n;
      } else if (c === 0x74 && nameIs(name, 'transfer-encoding')) {
        chunked = /(^|,)\s*chunked\s*$/i.test(value.toString('latin1'));
      } else if (c === 0x63 && nameIs(name, 'connection')) {
        const v = value.toString('latin1').toLowerCase();
        if (v.includes('close')) close = true;
        else if (v.includes('keep-alive')) close = false;
      } else if (c === 0x6b && nameIs(name, 'keep-alive')) {
        const m = /timeout=(\d+)/i.exec(value.toString('latin1'));
        if (m) this.keepAliveS = Number(m[1]);
      }
      i = lineEnd + 2;
    }
    const bodyAt = end + 4;
    // an interim response (100 Continue, 103 Early Hints): the real one follows
    if (status < 200 && status !== 101) return bodyAt;
    this.closeAfter = close;
    this.sink.headers(status, statusText, raw);
    if (this.noBody || status === 204 || status === 304 || status === 101) {
      if (status === 101) this.closeAfter = true;
      this.finish();
    } else if (chunked) {
      this.state = State.ChunkSize;
      this.line = '';
    } else if (length >= 0) {
      this.remaining = length;
      this.state = State.Fixed;
      if (length === 0) this.finish();
    } else {
      this.closeAfter = true;
      this.state = State.UntilClose;
    }
    return bodyAt;
  }

  /** A line of the chunked framing: a chunk's size, the CRLF after its data, or a trailer. */
  private onLine(b: Buffer, at: number): number {
    const lf = b.indexOf(LF, at);
    if (lf < 0) {
      this.line += b.toString('latin1', at);
      if (this.line.length > MAX_HEAD) throw new ProtocolError('a chunk line is larger than 64 KiB');
      return b.length;
    }
    const line = (this.line + b.toString('latin1', at, lf)).replace(/\r$/, '');
    this.line = '';
    if (this.state === State.ChunkDataEnd) {
      if (line !== '') throw new ProtocolError('a chunk does not end with CRLF');
      this.state = State.ChunkSize;
    } else if (this.state === State.ChunkSize) {
      const hex = line.split(';', 1)[0].trim();
      if (!/^[0-9a-fA-F]{1,12}$/.test(hex)) throw new ProtocolError('the response has an invalid chunk size');
      const size = parseInt(hex, 16);
      if (size === 0) this.state = State.Trailers;
      else {
        this.remaining = size;
        this.state = State.ChunkData;
      }
    } else if (line === '') this.finish();
    return lf + 1;
  }

  private finish(): void {
    this.state = State.Done;
    this.sink.complete();
  }
}
