// npm run bench:runner: the runner against autocannon on the same trivial loopback server, same connection
// count, same duration, for both script styles (awaited and synchronous); then, each in a fresh process, each
// style's RSS per VU at 1,000 VUs and its RSS with 10,000 requests held by a stalled server; and how closely the
// arrival-rate scheduler keeps 1,000 iterations/s.
import { spawn, type ChildProcess } from 'node:child_process';
import { loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { runScript } from './run.ts';
import { againstProblem, comparePairs, comparisonLine } from './bench-against.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 10_000);
const MANY_VUS = Number(process.env.BENCH_MANY_VUS ?? 1000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const ARRIVAL_S = Number(process.env.BENCH_ARRIVAL_S ?? 20);
/** issue #26: the runner keeps at least this share of autocannon's rate, in both styles */
const TARGET_RATIO = 0.85;

/** the machine's 1-minute load average, printed with each figure: on a shared machine it says how far to trust it */
const load = () => `load ${loadavg()[0].toFixed(1)}`;

function median(xs: number[]): number {
  const v = [...xs].sort((a, b) => a - b);
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
}
const STYLES = { awaited: 'test/fixtures/runner-bench.ts', synchronous: 'test/fixtures/runner-bench-sync.js' } as const;
type Style = keyof typeof STYLES;

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

function startServer(
  mode: 'fast' | 'stall',
): Promise<{ url: string; child: ChildProcess; received(): Promise<number> }> {
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
  const child = spawn(bin, ['-c', String(CONNECTIONS), '-d', String(SECONDS), '-j', url], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  await new Promise((r) => child.on('exit', r));
  const result = JSON.parse(out) as { requests: { total: number }; duration: number };
  return result.requests.total / result.duration;
}

/** Requests/s, and CPU per request: the latter moves less when other work shares the machine. */
async function runnerRate(url: string, style: Style): Promise<{ rate: number; cpuUs: number }> {
  const c0 = process.cpuUsage();
  const r = await runScript(path.join(root, STYLES[style]), {
    quiet: true,
    summaryMode: 'disabled',
    stdout: sink(),
    env: { BASE_URL: url, VUS: String(CONNECTIONS), DURATION: `${SECONDS}s` },
  });
  const cpu = process.cpuUsage(c0);
  const n = r.summary.metrics.http_reqs.values.count;
  return { rate: n / SECONDS, cpuUs: (cpu.user + cpu.system) / n };
}

/**
 * The arrival-rate scheduler's precision (a timing target, so it lives here and not in a test): 1,000
 * iterations/s of constant-arrival-rate for ARRIVAL_S seconds; the achieved rate and iteration_start_lag's p99.
 */
async function arrivalPrecision(url: string): Promise<void> {
  const rate = 1000;
  const r = await runScript(path.join(root, 'test/fixtures/runner-rate.ts'), {
    quiet: true,
    summaryMode: 'compact',
    stdout: sink(),
    env: { BASE_URL: url, RATE: String(rate), DURATION: `${ARRIVAL_S}s`, PRE: '400', MAX: '1000', GRACE: '2s' },
  });
  const s = r.scenarios[0];
  const achieved = (s.completed + s.interrupted) / ARRIVAL_S;
  const p99 = r.summary.metrics.iteration_start_lag?.values['p(99)'] ?? NaN;
  const ok = Math.abs(achieved - rate) / rate < 0.01 && p99 < 5;
  process.stdout.write(
    `runner, constant-arrival-rate ${rate}/s for ${ARRIVAL_S} s: achieved ${achieved.toFixed(1)}/s, dropped ${s.dropped}, start lag p99 ${p99.toFixed(2)} ms (target within 1 %, p99 < 5 ms) ${ok ? 'ok' : 'BELOW TARGET'}\n`,
  );
}

/** In a child process of its own (`--vus-rss STYLE URL`): peak RSS over a 5 s closed loop with MANY_VUS VUs. */
async function manyVusRss(style: Style, url: string): Promise<void> {
  const before = process.memoryUsage().rss;
  let peak = before;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
  const r = await runScript(path.join(root, STYLES[style]), {
    quiet: true,
    summaryMode: 'disabled',
    stdout: sink(),
    env: { BASE_URL: url, VUS: String(MANY_VUS), DURATION: '5s' },
  });
  clearInterval(timer);
  process.stdout.write(
    JSON.stringify({
      peakMb: peak / 1e6,
      beforeMb: before / 1e6,
      requests: r.summary.metrics.http_reqs?.values.count ?? 0,
    }) + '\n',
  );
}

/** Runs `runner/bench.ts FLAG STYLE [URL]` in a fresh process, so no measurement inherits another's heap. */
function inChild<T>(flag: string, style: Style, url = ''): Promise<T> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'runner/bench.ts'), flag, style, url], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  return new Promise((resolve, reject) =>
    child.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(out) as T) : reject(new Error(`${flag} ${style} exited ${code}`)),
    ),
  );
}

/** In a child process of its own (`--in-flight STYLE`): peak RSS with IN_FLIGHT requests held by a stalled server. */
async function inFlightRss(style: Style): Promise<void> {
  const server = await startServer('stall');
  const controller = new AbortController();
  let peak = 0;
  let held = 0;
  const run = runScript(path.join(root, STYLES[style]), {
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
  process.stdout.write(JSON.stringify({ rssMb: peak / 1e6, held }) + '\n');
}

async function main(): Promise<void> {
  const server = await startServer('fast');
  try {
    process.stdout.write(
      `trivial loopback server, ${CONNECTIONS} connections, ${SECONDS} s each, ${ROUNDS} round(s); each runner run is compared with the autocannon runs just before and after it, since this machine's speed drifts within a minute\n`,
    );
    const ratios: Record<Style, number[]> = { awaited: [], synchronous: [] };
    let acBefore = await autocannonRate(server.url);
    process.stdout.write(`autocannon:                   ${acBefore.toFixed(0)} requests/s (${load()})\n`);
    for (let round = 1; round <= ROUNDS; round++) {
      const runs: [Style, { rate: number; cpuUs: number }][] = [];
      // the style that runs second in a round measured slower, whichever it was: they take turns going first
      const order = Object.keys(STYLES) as Style[];
      if (round % 2 === 0) order.reverse();
      for (const style of order) runs.push([style, await runnerRate(server.url, style)]);
      const acAfter = await autocannonRate(server.url);
      const ac = (acBefore + acAfter) / 2;
      for (const [style, rr] of runs) {
        ratios[style].push(rr.rate / ac);
        process.stdout.write(
          `round ${round} runner, ${style.padEnd(12)}: ${rr.rate.toFixed(0)} requests/s, ${(rr.rate / ac).toFixed(2)}x autocannon, ${rr.cpuUs.toFixed(1)} µs CPU per request (${load()})\n`,
        );
      }
      process.stdout.write(`autocannon:                   ${acAfter.toFixed(0)} requests/s (${load()})\n`);
      acBefore = acAfter;
    }
    for (const style of Object.keys(STYLES) as Style[]) {
      const ratio = median(ratios[style]);
      process.stdout.write(
        `runner/autocannon, ${style}: median ${ratio.toFixed(2)} of ${ratios[style].map((r) => r.toFixed(2)).join(', ')} (target >= ${TARGET_RATIO}) ${ratio >= TARGET_RATIO ? 'ok' : 'BELOW TARGET'}\n`,
      );
    }
    await arrivalPrecision(server.url);
    for (const style of Object.keys(STYLES) as Style[]) {
      const m = await inChild<{ peakMb: number; beforeMb: number; requests: number }>('--vus-rss', style, server.url);
      process.stdout.write(
        `runner, ${style.padEnd(12)}: ${MANY_VUS} VUs for 5 s: peak RSS ${m.peakMb.toFixed(0)} MB (${m.beforeMb.toFixed(0)} MB before the run), ${(((m.peakMb - m.beforeMb) * 1000) / MANY_VUS).toFixed(0)} kB per VU, ${m.requests} requests\n`,
      );
    }
  } finally {
    server.child.kill();
  }
  for (const style of Object.keys(STYLES) as Style[]) {
    const mem = await inChild<{ rssMb: number; held: number }>('--in-flight', style);
    process.stdout.write(
      `runner, ${style.padEnd(12)}: RSS with ${mem.held} requests in flight (stalled server): ${mem.rssMb.toFixed(0)} MB (target < 500) ${mem.rssMb < 500 && mem.held >= IN_FLIGHT ? 'ok' : 'CHECK'}\n`,
    );
  }
}

const USAGE = `usage: npm run bench:runner -- [--against DIR] [--pairs N]

The runner against autocannon on a trivial loopback server, both script styles (awaited, synchronous), then RSS per
VU, RSS with ${IN_FLIGHT} requests in flight and the arrival-rate scheduler's precision. Environment:
BENCH_CONNECTIONS, BENCH_SECONDS, BENCH_ROUNDS, BENCH_MANY_VUS, BENCH_IN_FLIGHT, BENCH_ARRIVAL_S.

  --against DIR   instead: this checkout's runner against the one in DIR (a loadlab checkout with node_modules,
                  e.g. git worktree add /tmp/old REV), in pairs taking turns going first; per style the geometric
                  mean of this/other with its 95 % interval, and whether a regression was measured
  --pairs N       pairs per style with --against (2 to 100, default 10)
  -h, --help      this text
`;

/** The public flags; a bad one is one line naming it and exit 2. */
function parseArgs(argv: string[]): { against: string | null; pairs: number } | 'help' {
  let against: string | null = null;
  let pairs = 10;
  let pairsGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-h' || a === '--help') return 'help';
    const [name, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    if (name !== '--against' && name !== '--pairs')
      throw new BenchUsage(`unknown argument '${a}' (accepted: --against DIR, --pairs N, --help)`);
    const value = inline ?? argv[++i];
    if (value === undefined || value === '') throw new BenchUsage(`${name} needs a value`);
    if (name === '--against') against = path.resolve(value);
    else {
      pairsGiven = true;
      pairs = Number(value);
      if (!Number.isInteger(pairs) || pairs < 2 || pairs > 100)
        throw new BenchUsage(`--pairs ${value}: not a whole number from 2 to 100`);
    }
  }
  if (against === null && pairsGiven) throw new BenchUsage('--pairs is only read with --against DIR');
  return { against, pairs };
}

class BenchUsage extends Error {}

async function against(dir: string, pairs: number): Promise<void> {
  const problem = againstProblem(dir);
  if (problem) throw new BenchUsage(problem);
  const server = await startServer('fast');
  try {
    process.stdout.write(
      `this runner (${root}) against ${dir}: trivial loopback server, ${CONNECTIONS} VUs, ${SECONDS} s per run, ${pairs} pairs per style (${load()})\n`,
    );
    const scripts = Object.fromEntries(Object.entries(STYLES).map(([s, f]) => [s, path.join(root, f)]));
    const results = await comparePairs({
      here: root,
      other: dir,
      scripts,
      url: server.url,
      vus: CONNECTIONS,
      seconds: SECONDS,
      pairs,
      write: (line) => process.stdout.write(line),
    });
    for (const c of results) process.stdout.write(comparisonLine(c));
  } finally {
    server.child.kill();
  }
}

function publicJob(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args === 'help') {
    process.stdout.write(USAGE);
    return Promise.resolve();
  }
  return args.against ? against(args.against, args.pairs) : main();
}

const [flag, style, url] = process.argv.slice(2) as [string | undefined, Style, string];
let job: Promise<void>;
try {
  job = flag === '--vus-rss' ? manyVusRss(style, url) : flag === '--in-flight' ? inFlightRss(style) : publicJob();
} catch (err) {
  job = Promise.reject(err);
}
job.then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`error: ${(err as Error)?.message ?? String(err)}\n`);
    process.exit(err instanceof BenchUsage ? 2 : 1);
  },
);
