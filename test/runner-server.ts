import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { Writable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';

export interface TestServer {
  url: string;
  /** requests received so far */
  received: number;
  /** server-side handling time of every answered request, ms */
  handled: number[];
  /** resolves once `n` requests have arrived (at once when they already have) */
  whenReceived(n: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * A real loopback HTTP server whose latency the test controls: `delay(n, path)` gives the delay in ms of
 * the n-th request (from 0), or null to hold it until the server closes.
 */
export async function startServer(delay: (n: number, path: string) => number | null = () => 0): Promise<TestServer> {
  const held = new Set<http.ServerResponse>();
  const waiters: { n: number; resolve: () => void }[] = [];
  const state: TestServer = {
    url: '',
    received: 0,
    handled: [],
    whenReceived: (n) =>
      state.received >= n ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ n, resolve })),
    close: async () => {},
  };
  const server = http.createServer((req, res) => {
    const t0 = performance.now();
    const n = state.received++;
    for (let i = waiters.length - 1; i >= 0; i--) if (waiters[i].n <= state.received) waiters.splice(i, 1)[0].resolve();
    const d = delay(n, req.url ?? '/');
    const answer = () => {
      held.delete(res);
      res.setHeader('set-cookie', `seen=${n}; Path=/`);
      res.end(req.headers.cookie ? `cookie:${req.headers.cookie}` : 'ok');
      state.handled.push(performance.now() - t0);
    };
    req.resume();
    if (d === null) held.add(res);
    else if (d <= 0) answer();
    else setTimeout(answer, d);
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      for (const res of held) res.destroy();
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return state;
}

/** k6's percentile, for the server-side truth. */
export function percentile(values: number[], p: number): number {
  const v = [...values].sort((a, b) => a - b);
  if (v.length === 0) return 0;
  const x = (p / 100) * (v.length - 1);
  const lo = Math.floor(x);
  const hi = Math.ceil(x);
  return v[lo] + (v[hi] - v[lo]) * (x - lo);
}

/**
 * `npm run load -- ARGS` as package.json declares it, without npm and its shell in between, so that a signal sent
 * to the child reaches what the script starts (a wrapper such as tsx's CLI relays signals its own way).
 */
export function spawnLoad(args: string[]): ChildProcessByStdio<null, Readable, Readable> {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
  const [cmd, ...words] = pkg.scripts.load.split(/\s+/);
  const bin = cmd === 'node' ? process.execPath : path.join('node_modules', '.bin', cmd);
  return spawn(bin, [...words, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * `npm run load` as a child with its output kept: `seen(re)` waits for a stderr line (or the exit, so a process
 * that ended before the line came fails on its exit code instead of hanging the file); `end()` kills it should a
 * failed assertion leave it running.
 */
export function runningLoad(args: string[]) {
  const child = spawnLoad(args);
  let stderr = '';
  let stdout = '';
  child.stderr.on('data', (d) => (stderr += d));
  child.stdout.on('data', (d) => (stdout += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  const seen = (re: RegExp) =>
    Promise.race([
      exited,
      new Promise<void>((r) => {
        const check = () => (re.test(stderr) ? r() : child.stderr.once('data', check));
        check();
      }),
    ]);
  const end = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  return { child, exited, seen, end, stderr: () => stderr, stdout: () => stdout };
}

/** Swallows output: tests assert on the result, not on the printed summary. */
export function devNull(): Writable {
  return new Writable({ write: (_c, _e, cb) => cb() });
}

/** Collects output as text. */
export function collect(): Writable & { text: string } {
  const w = new Writable({
    write(c, _e, cb) {
      w.text += String(c);
      cb();
    },
  }) as Writable & { text: string };
  w.text = '';
  return w;
}

export interface DocsServer {
  url: string;
  /** requests received, by `METHOD /path` (no query) */
  hits: Map<string, number>;
  /** every request: method, path with query, headers, body (decoded when gzip-encoded) */
  log: { method: string; path: string; headers: http.IncomingHttpHeaders; body: string }[];
  /** the most requests it was answering at once */
  maxConcurrent: number;
  /** distinct client connections seen */
  sockets: number;
  close(): Promise<void>;
  count(key: string): number;
  /** calls `listener` once, at the next request's end */
  onRequest(listener: () => void): void;
}

function answer(req: http.IncomingMessage, body: string, res: http.ServerResponse): void {
  const u = new URL(req.url ?? '/', 'http://x');
  const json = (status: number, v: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(v));
  };
  if (u.pathname === '/login')
    return json(200, {
      token: `t-${new URLSearchParams(body).get('user') ?? JSON.parse(body || '{}').user ?? 'anon'}`,
    });
  if (u.pathname === '/me')
    return json(req.headers.authorization?.startsWith('Bearer t-') ? 200 : 401, {
      auth: req.headers.authorization ?? null,
    });
  if (u.pathname.startsWith('/basic-auth/')) {
    const [, , user, pass] = u.pathname.split('/');
    const ok = req.headers.authorization === `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
    return json(ok ? 200 : 401, { authenticated: ok });
  }
  if (u.pathname.startsWith('/cookies/set')) {
    res.setHeader(
      'set-cookie',
      [...u.searchParams].map(([k, v]) => `${k}=${v}; Path=${u.searchParams.get('path') ?? '/'}`),
    );
    return json(200, { set: Object.fromEntries(u.searchParams) });
  }
  if (u.pathname.startsWith('/cookies')) return json(200, { cookies: req.headers.cookie ?? '' });
  if (u.pathname === '/gzip') {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip' });
    return void res.end(gzipSync('compressed hello'));
  }
  if (u.pathname === '/echo') return json(200, { body, encoding: req.headers['content-encoding'] ?? null });
  if (u.pathname === '/redirect') {
    res.writeHead(Number(u.searchParams.get('status') ?? 302), { location: u.searchParams.get('to') ?? '/' });
    return void res.end();
  }
  const delay = Number(u.searchParams.get('delay') ?? 0);
  if (delay > 0) return void setTimeout(() => res.end('ok'), delay);
  res.end('ok');
}

/**
 * A loopback server for scripts written from k6's documentation: login, bearer and basic auth, cookies,
 * gzip, echo and plain pages; it counts what it received so tests can compare with the runner's figures.
 */
export async function startDocsServer(): Promise<DocsServer> {
  const hits = new Map<string, number>();
  const log: DocsServer['log'] = [];
  const listeners: (() => void)[] = [];
  let current = 0;
  const state = { maxConcurrent: 0, sockets: 0 };
  const server = http.createServer((req, res) => {
    current++;
    state.maxConcurrent = Math.max(state.maxConcurrent, current);
    res.on('finish', () => current--);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw).toString() : raw.toString();
      const key = `${req.method} ${new URL(req.url ?? '/', 'http://x').pathname}`;
      hits.set(key, (hits.get(key) ?? 0) + 1);
      log.push({ method: req.method ?? '', path: req.url ?? '/', headers: req.headers, body });
      answer(req, body, res);
      for (const l of listeners.splice(0)) l();
    });
  });
  server.on('connection', () => state.sockets++);
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    log,
    get maxConcurrent() {
      return state.maxConcurrent;
    },
    get sockets() {
      return state.sockets;
    },
    count: (key) => hits.get(key) ?? 0,
    onRequest: (l) => void listeners.push(l),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
