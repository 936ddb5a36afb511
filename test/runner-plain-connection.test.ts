// The runner's own keep-alive connection against raw loopback servers that answer the awkward ways real
// ones do: a keep-alive connection closed as a request crosses it, Connection: close, a server that never
// answers, a body cut short, chunks dribbled out, nobody listening.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, test } from 'node:test';
import { PlainConnection, type ResponseHandler } from '../runner/http/plain-connection.ts';

interface Outcome {
  status: number;
  body: string;
  error: (Error & { code?: string }) | null;
  ms: number;
  /** the connect time told for this request, when it opened the connection */
  connecting: number | null;
}

/** Sends one request and waits for how it ends. */
function send(conn: PlainConnection, method = 'GET', body: string | null = null, timeoutMs = 5_000): Promise<Outcome> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    let status = 0;
    let text = '';
    let connecting: number | null = null;
    const h: ResponseHandler = {
      onTcpConnect(ms) {
        connecting = ms;
      },
      onConnect() {},
      onRequestSent() {},
      onHeaders(s) {
        status = s;
        return true;
      },
      onData(c) {
        text += c.toString();
        return true;
      },
      onComplete: () => resolve({ status, body: text, error: null, ms: performance.now() - t0, connecting }),
      onError: (error) => resolve({ status, body: text, error, ms: performance.now() - t0, connecting }),
    };
    conn.dispatch({ path: '/', method, headers: ['user-agent', 'test'], body, timeoutMs }, h);
  });
}

interface RawServer {
  origin: string;
  connections: number;
  requests: string[];
  close(): Promise<void>;
}

const servers: RawServer[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

/** A TCP server that reads whole request heads (and a small body) and lets `answer` reply as it likes. */
async function rawServer(
  answer: (socket: net.Socket, request: string, nthOnSocket: number, nthConnection: number) => void,
): Promise<RawServer> {
  const sockets = new Set<net.Socket>();
  const state = { origin: '', connections: 0, requests: [] as string[], close: async () => {} };
  const server = net.createServer((socket) => {
    const nthConnection = state.connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let buffered = '';
    let n = 0;
    socket.on('data', (d) => {
      buffered += d.toString('latin1');
      for (let end = buffered.indexOf('\r\n\r\n'); end >= 0; end = buffered.indexOf('\r\n\r\n')) {
        const length = Number(/content-length: (\d+)/i.exec(buffered.slice(0, end))?.[1] ?? 0);
        if (buffered.length < end + 4 + length) return;
        const request = buffered.slice(0, end + 4 + length);
        buffered = buffered.slice(end + 4 + length);
        state.requests.push(request);
        answer(socket, request, n++, nthConnection);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.origin = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    });
  servers.push(state);
  return state;
}

const ok = (body = 'ok', extra = '') => `HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n${extra}\r\n${body}`;

test('a kept-alive connection the server drops as a GET crosses it: the GET is sent again on a new one, once', async () => {
  // every connection answers its first request and drops at its second, as a server's idle timeout can
  const server = await rawServer((socket, _r, nth) => (nth === 0 ? socket.write(ok()) : socket.destroy()));
  const conn = new PlainConnection(server.origin);
  assert.equal((await send(conn)).status, 200);
  const again = await send(conn);
  assert.deepEqual([again.status, again.error], [200, null]);
  assert.equal(server.connections, 2);
  assert.equal(server.requests.length, 3, 'sent, dropped, sent again');
  await conn.destroy();
});

test('the same drop under a POST: not repeated (it may have been acted on), the request fails', async () => {
  const server = await rawServer((socket, _r, nth) => (nth === 0 ? socket.write(ok()) : socket.destroy()));
  const conn = new PlainConnection(server.origin);
  assert.equal((await send(conn, 'POST', 'a=1')).status, 200);
  const second = await send(conn, 'POST', 'a=2');
  assert.equal(second.status, 0);
  assert.match(second.error?.code ?? '', /UND_ERR_SOCKET|ECONNRESET|EPIPE/);
  assert.equal(server.requests.filter((r) => r.endsWith('a=2')).length, 1, 'the POST reached the server once');
  assert.match(
    server.requests[0],
    /^POST \/ HTTP\/1\.1\r\nhost: 127\.0\.0\.1:\d+\r\nuser-agent: test\r\ncontent-length: 3\r\n\r\na=1$/,
  );
  await conn.destroy();
});

test('Connection: close: the answer is read whole, the next request goes out on a new connection', async () => {
  const server = await rawServer((socket) => socket.write(ok('bye', 'Connection: close\r\n')));
  const conn = new PlainConnection(server.origin);
  const a = await send(conn);
  const b = await send(conn);
  assert.deepEqual([a.body, b.body, server.connections], ['bye', 'bye', 2]);
  assert.ok(
    a.connecting !== null && a.connecting > 0 && b.connecting !== null && b.connecting > 0,
    'each request on a new connection tells its connect time',
  );
  await conn.destroy();
});

test('a server that never answers: the request fails with the timeout as k6 names it, after that time', async () => {
  let onRequest = () => {};
  const server = await rawServer(() => onRequest());
  const conn = new PlainConnection(server.origin);
  const r = await send(conn, 'GET', null, 300);
  assert.equal(r.error?.message, 'request timeout');
  assert.equal(r.error?.code, 'UND_ERR_HEADERS_TIMEOUT');
  assert.ok(r.ms >= 295 && r.ms < 1_500, `timed out after ${r.ms.toFixed(0)} ms`);
  // the connection is not trusted after it: the next request opens another
  const server2Requests = server.requests.length;
  const arrived = new Promise<void>((res) => (onRequest = res));
  void send(conn, 'GET', null, 100);
  await arrived;
  assert.deepEqual([server.connections, server.requests.length], [2, server2Requests + 1]);
  await conn.destroy();
});

test('a body cut short by the close is an error, not a short body', async () => {
  const server = await rawServer((socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly part'));
  const conn = new PlainConnection(server.origin);
  const r = await send(conn);
  assert.equal(r.error?.message, 'other side closed');
  assert.equal(r.error?.code, 'UND_ERR_SOCKET');
  await conn.destroy();
});

test('chunks dribbled out in small writes arrive as one body', async () => {
  const server = await rawServer((socket) => {
    const parts = [
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n',
      '3\r\nabc',
      '\r\n',
      '4\r\nde',
      'fg\r\n0\r\n',
      '\r\n',
    ];
    parts.forEach((p, i) => void setTimeout(() => socket.write(p), i * 20));
  });
  const conn = new PlainConnection(server.origin);
  const a = await send(conn);
  const b = await send(conn);
  assert.deepEqual([a.body, b.body, server.connections], ['abcdefg', 'abcdefg', 1]);
  assert.ok(a.connecting !== null && a.connecting > 0, 'the first request opened the connection');
  assert.equal(b.connecting, null, 'the second reused it: no connect time');
  await conn.destroy();
});

test('nobody listening: refused, with the code k6 maps to 1212', async () => {
  const server = await rawServer(() => {});
  const origin = server.origin;
  await server.close();
  const conn = new PlainConnection(origin);
  const r = await send(conn);
  assert.equal(r.error?.code, 'ECONNREFUSED');
  await conn.destroy();
});

test('a header value with a line break is refused before anything is sent', async () => {
  const server = await rawServer((socket) => socket.write(ok()));
  const conn = new PlainConnection(server.origin);
  const r = await new Promise<Error>((resolve) =>
    conn.dispatch(
      { path: '/', method: 'GET', headers: ['x-evil', 'a\r\nhost: elsewhere'], body: null, timeoutMs: 1_000 },
      {
        onConnect() {},
        onRequestSent() {},
        onHeaders: () => true,
        onData: () => true,
        onComplete: () => resolve(new Error('sent')),
        onError: resolve,
      },
    ),
  );
  assert.match(r.message, /invalid value of header 'x-evil'/);
  assert.equal(server.requests.length, 0);
  await conn.destroy();
});

test("the connect time excludes the name lookup (k6's http_req_connecting is the TCP connect; the lookup is blocked)", async () => {
  const server = await rawServer((socket) => socket.write(ok()));
  const port = new URL(server.origin).port;
  // a resolver that takes 200 ms, as a slow DNS server would
  const slowLookup: net.LookupFunction = (_host, options, cb) => {
    setTimeout(() => {
      if ((options as { all?: boolean }).all)
        (cb as (e: null, a: { address: string; family: number }[]) => void)(null, [
          { address: '127.0.0.1', family: 4 },
        ]);
      else cb(null, '127.0.0.1', 4);
    }, 200);
  };
  const conn = new PlainConnection(`http://slow.test:${port}`, false, undefined, slowLookup);
  const r = await send(conn);
  assert.equal(r.status, 200);
  assert.ok(r.ms >= 195, `the request took the lookup's time too (${r.ms.toFixed(0)} ms)`);
  assert.ok(r.connecting !== null && r.connecting < 100, `connecting ${r.connecting} ms holds the connect alone`);
  await conn.destroy();
});
