import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';

export interface TestServer {
  url: string;
  /** requests received so far */
  received: number;
  /** server-side handling time of every answered request, ms */
  handled: number[];
  close(): Promise<void>;
}

/**
 * A real loopback HTTP server whose latency the test controls: `delay(n, path)` gives the delay in ms of
 * the n-th request (from 0), or null to hold it until the server closes.
 */
export async function startServer(delay: (n: number, path: string) => number | null = () => 0): Promise<TestServer> {
  const held = new Set<http.ServerResponse>();
  const state: TestServer = { url: '', received: 0, handled: [], close: async () => {} };
  const server = http.createServer((req, res) => {
    const t0 = performance.now();
    const n = state.received++;
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
