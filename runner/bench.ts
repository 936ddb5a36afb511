// npm run bench:runner: the runner against autocannon on the same trivial loopback server, same connection
// count, same duration; then the runner's RSS with 10,000 requests held by a stalled server.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { runScript } from './run.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 10_000);

// the server lives in its own process, so it never shares an event loop with the client being measured
const SERVER = `
const http = require('http');
const stall = process.argv[1] === 'stall';
let n = 0;
const held = [];
const s = http.createServer((req, res) => { n++; if (stall) held.push(res); else res.end('hello world'); });
s.keepAliveTimeout = 60000;
s.maxConnections = 100000;
s.listen(0, '127.0.0.1', () => process.send({ port: s.address().port }));
process.on('message', () => process.send({ received: n }));
`;

function startServer(mode: 'fast' | 'stall'): Promise<{ url: string; child: ChildProcess; received(): Promise<number> }> {
  const child = spawn(process.execPath, ['-e', SERVER, mode], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('message', (m: { port: number }) =>
      resolve({
        url: `http://127.0.0.1:${m.port}`,
        child,
        received: () =>
          new Promise((r) => {
            child.once('message', (x: { received: number }) => r(x.received));
            child.send('count');
          }),
      }),
    );
  });
}

const sink = () => new Writable({ write: (_c, _e, cb) => cb() });

async function autocannonRate(url: string): Promise<number> {
  const bin = path.join(root, 'node_modules', '.bin', 'autocannon');
  const child = spawn(bin, ['-c', String(CONNECTIONS), '-d', String(SECONDS), '-j', url], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  await new Promise((r) => child.on('exit', r));
  const result = JSON.parse(out) as { requests: { total: number }; duration: number };
  return result.requests.total / result.duration;
}

async function runnerRate(url: string): Promise<number> {
  const r = await runScript(path.join(root, 'test/fixtures/runner-bench.ts'), {
    quiet: true,
    summaryMode: 'disabled',
    stdout: sink(),
    env: { BASE_URL: url, VUS: String(CONNECTIONS), DURATION: `${SECONDS}s` },
  });
  return r.summary.metrics.http_reqs.values.count / SECONDS;
}

async function inFlightRss(): Promise<{ rssMb: number; held: number }> {
  const server = await startServer('stall');
  const controller = new AbortController();
  let peak = 0;
  let held = 0;
  const run = runScript(path.join(root, 'test/fixtures/runner-bench.ts'), {
    quiet: true,
    summaryMode: 'disabled',
    stdout: sink(),
    signal: controller.signal,
    env: { BASE_URL: server.url, VUS: String(IN_FLIGHT), DURATION: '60s' },
  });
  const t0 = performance.now();
  while (performance.now() - t0 < 45_000) {
    await new Promise((r) => setTimeout(r, 250));
    held = await server.received();
    peak = Math.max(peak, process.memoryUsage().rss);
    if (held >= IN_FLIGHT) break;
  }
  // settle a moment with everything in flight, then measure again
  await new Promise((r) => setTimeout(r, 1000));
  peak = Math.max(peak, process.memoryUsage().rss);
  controller.abort();
  await run;
  server.child.kill();
  return { rssMb: peak / 1e6, held };
}

async function main(): Promise<void> {
  const server = await startServer('fast');
  try {
    process.stdout.write(`trivial loopback server, ${CONNECTIONS} connections, ${SECONDS} s each\n`);
    const ac = await autocannonRate(server.url);
    process.stdout.write(`autocannon: ${ac.toFixed(0)} requests/s\n`);
    const rr = await runnerRate(server.url);
    process.stdout.write(`runner:     ${rr.toFixed(0)} requests/s\n`);
    const ratio = rr / ac;
    process.stdout.write(`ratio runner/autocannon: ${ratio.toFixed(2)} (target >= 0.8) ${ratio >= 0.8 ? 'ok' : 'BELOW TARGET'}\n`);
  } finally {
    server.child.kill();
  }
  const mem = await inFlightRss();
  process.stdout.write(`runner RSS with ${mem.held} requests in flight (stalled server): ${mem.rssMb.toFixed(0)} MB (target < 500) ${mem.rssMb < 500 && mem.held >= IN_FLIGHT ? 'ok' : 'CHECK'}\n`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`error: ${(err as Error)?.message ?? String(err)}\n`);
    process.exit(1);
  },
);
