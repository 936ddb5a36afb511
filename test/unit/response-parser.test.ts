// The runner's own HTTP/1.1 response reader: every framing a server may use, with the bytes split at every
// possible point, as a socket may deliver them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProtocolError, ResponseParser } from '../../runner/http/response-parser.ts';

interface Read {
  status: number;
  statusText: string;
  headers: [string, string][];
  body: string;
  completed: number;
}

function reader(): { parser: ResponseParser; read: Read } {
  const read: Read = { status: 0, statusText: '', headers: [], body: '', completed: 0 };
  const parser = new ResponseParser({
    headers(status, statusText, raw) {
      read.status = status;
      read.statusText = statusText;
      for (let i = 0; i < raw.length; i += 2)
        read.headers.push([raw[i].toString('latin1'), raw[i + 1].toString('latin1')]);
    },
    data(chunk) {
      read.body += chunk.toString('latin1');
    },
    complete() {
      read.completed++;
    },
  });
  return { parser, read };
}

/** Reads `wire` whole, then split in two at every point, then byte by byte: each must read the same. */
function readAllWays(wire: string, head = false, end = false): Read {
  const bytes = Buffer.from(wire, 'latin1');
  const splits: Buffer[][] = [[bytes], Array.from(bytes, (b) => Buffer.from([b]))];
  for (let i = 1; i < bytes.length; i++) splits.push([bytes.subarray(0, i), bytes.subarray(i)]);
  let first: Read | undefined;
  for (const pieces of splits) {
    const { parser, read } = reader();
    parser.expect(head);
    for (const p of pieces) parser.feed(p);
    if (end) assert.equal(parser.end(), true, 'the close ends the body');
    if (first === undefined) first = read;
    else assert.deepEqual(read, first, `split into ${pieces.map((p) => p.length).join('+')} bytes`);
  }
  return first!;
}

test('Content-Length: status, reason, headers as sent, exactly that many body bytes', () => {
  const r = readAllWays('HTTP/1.1 201 Created\r\nContent-Length: 5\r\nX-Two:  a b \r\n\r\nhello');
  assert.deepEqual(r, {
    status: 201,
    statusText: 'Created',
    headers: [
      ['Content-Length', '5'],
      ['X-Two', 'a b'],
    ],
    body: 'hello',
    completed: 1,
  });
});

test('chunked: sizes in hex with extensions, data across chunk lines, trailers after the last chunk', () => {
  const r = readAllWays(
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\nA\r\n, world!!!\r\n0\r\nX-Trailer: t\r\n\r\n',
  );
  assert.equal(r.body, 'hello, world!!!');
  assert.equal(r.completed, 1);
});

test('interim 100 Continue and 103 Early Hints are skipped; the final response is the one told', () => {
  const r = readAllWays(
    'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
  );
  assert.deepEqual([r.status, r.body, r.completed, r.headers], [200, 'ok', 1, [['Content-Length', '2']]]);
});

test('no body: 204, 304 and the answer to HEAD, whatever Content-Length says', () => {
  assert.deepEqual(
    [
      readAllWays('HTTP/1.1 204 No Content\r\n\r\n').completed,
      readAllWays('HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n').completed,
    ],
    [1, 1],
  );
  const head = readAllWays('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n', true);
  assert.deepEqual([head.body, head.completed], ['', 1]);
});

test('no framing header: the body runs to the close, and the connection is not reused', () => {
  const { parser, read } = reader();
  parser.expect(false);
  parser.feed(Buffer.from('HTTP/1.0 200 OK\r\n\r\nuntil the'));
  parser.feed(Buffer.from(' end'));
  assert.equal(read.completed, 0, 'not complete before the close');
  assert.equal(parser.closeAfter, true);
  assert.equal(parser.end(), true);
  assert.deepEqual([read.body, read.completed], ['until the end', 1]);
  assert.equal(readAllWays('HTTP/1.0 200 OK\r\n\r\nx', false, true).body, 'x');
});

test('a close before the body is whole cuts the response short', () => {
  const { parser, read } = reader();
  parser.expect(false);
  parser.feed(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort'));
  assert.equal(parser.end(), false);
  assert.equal(read.completed, 0);
});

test('Connection: close and Keep-Alive: timeout are read for the connection', () => {
  const { parser } = reader();
  parser.expect(false);
  parser.feed(Buffer.from('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n'));
  assert.equal(parser.closeAfter, true);
  parser.expect(false);
  parser.feed(Buffer.from('HTTP/1.1 200 OK\r\nKeep-Alive: timeout=5, max=100\r\nContent-Length: 0\r\n\r\n'));
  assert.deepEqual([parser.closeAfter, parser.keepAliveS], [false, 5]);
});

test('what breaks HTTP/1.1 is a ProtocolError: not HTTP, a bad status, bad sizes, bytes after the response', () => {
  const broken = [
    'SSH-2.0-OpenSSH_9\r\n\r\n',
    'HTTP/1.1 2x0 OK\r\n\r\n',
    'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n',
    'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n',
    'HTTP/1.1 200 OK\r\nno colon here\r\n\r\n',
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
    'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX\r\n',
    'HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nab',
  ];
  for (const wire of broken) {
    const { parser } = reader();
    parser.expect(false);
    assert.throws(() => parser.feed(Buffer.from(wire, 'latin1')), ProtocolError, JSON.stringify(wire));
  }
  const { parser } = reader();
  parser.expect(false);
  assert.throws(() => parser.feed(Buffer.alloc(70 * 1024, 0x61)), /larger than 64 KiB/);
});
