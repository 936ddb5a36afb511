// npm run bench:runner -- --against DIR: this checkout's runner and another's (a commit checked out with its
// node_modules, e.g. `git worktree add /tmp/old REV`) on the same loopback server, in pairs that take turns going
// first, so the machine's drift within a minute falls on both alike. A ratio per pair, then per style the geometric
// mean with its 95 % interval: the figure for "no regression", which a ratio to autocannon cannot give when
// autocannon itself moves +-30 % between rounds.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface PairOptions {
  /** this checkout and the other, each with runner/cli.ts and node_modules */
  here: string;
  other: string;
  /** script per style, absolute paths; both runners play the same files */
  scripts: Record<string, string>;
  url: string;
  vus: number;
  seconds: number;
  pairs: number;
  write: (line: string) => void;
}

export interface StyleComparison {
  style: string;
  ratios: number[];
  geomean: number;
  low: number;
  high: number;
  faster: number;
}

/** Why DIR cannot be compared with, in one line, or null when it can. */
export function againstProblem(dir: string): string | null {
  if (!existsSync(dir))
    return `--against ${dir}: no such directory; give a checkout of loadlab (e.g. git worktree add /tmp/old REV)`;
  if (!existsSync(path.join(dir, 'runner', 'cli.ts')))
    return `--against ${dir}: no runner/cli.ts there; give the root of a loadlab checkout`;
  if (!existsSync(path.join(dir, 'node_modules', 'tsx')))
    return `--against ${dir}: no node_modules/tsx there; run npm ci in it (or link this checkout's node_modules)`;
  return null;
}

/** Requests per second one runner served, from its summary export. */
async function rate(root: string, script: string, o: PairOptions, scratch: string): Promise<number> {
  const out = path.join(scratch, 'summary.json');
  rmSync(out, { force: true });
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      path.join(root, 'runner', 'cli.ts'),
      '-q',
      '--summary-export',
      out,
      '-e',
      `BASE_URL=${o.url}`,
      '-e',
      `VUS=${o.vus}`,
      '-e',
      `DURATION=${o.seconds}s`,
      script,
    ],
    { cwd: root, stdio: 'ignore' },
  );
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  if (code !== 0 || !existsSync(out))
    throw new Error(`the runner in ${root} exited ${code} on ${path.basename(script)}`);
  const s = JSON.parse(readFileSync(out, 'utf8')) as {
    metrics: { http_reqs?: { count?: number; values?: { count: number } } };
  };
  const m = s.metrics.http_reqs;
  return (m?.count ?? m?.values?.count ?? 0) / o.seconds;
}

// two-sided 95 % quantiles of Student's t for 1-30 degrees of freedom
const T95 = [
  12.71, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11,
  2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/** Geometric mean of the ratios and its 95 % interval (t on the logs). */
export function ratioInterval(ratios: number[]): { geomean: number; low: number; high: number } {
  const logs = ratios.map(Math.log);
  const n = logs.length;
  const mean = logs.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { geomean: Math.exp(mean), low: Number.NaN, high: Number.NaN };
  const sd = Math.sqrt(logs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
  const half = (T95[Math.min(n - 1, T95.length) - 1] ?? 1.96) * (sd / Math.sqrt(n));
  return { geomean: Math.exp(mean), low: Math.exp(mean - half), high: Math.exp(mean + half) };
}

export async function comparePairs(o: PairOptions): Promise<StyleComparison[]> {
  const scratch = mkdtempSync(path.join(tmpdir(), 'bench-against-'));
  const ratios: Record<string, number[]> = Object.fromEntries(Object.keys(o.scripts).map((s) => [s, []]));
  try {
    for (let pair = 1; pair <= o.pairs; pair++) {
      for (const [i, [style, script]] of Object.entries(o.scripts).entries()) {
        // the second of two runs measured slower whichever it was: they take turns going first
        const hereFirst = (pair + i) % 2 === 0;
        let here: number;
        let other: number;
        if (hereFirst) {
          here = await rate(o.here, script, o, scratch);
          other = await rate(o.other, script, o, scratch);
        } else {
          other = await rate(o.other, script, o, scratch);
          here = await rate(o.here, script, o, scratch);
        }
        ratios[style].push(here / other);
        o.write(
          `pair ${pair} ${style.padEnd(12)}: this ${here.toFixed(0)}, other ${other.toFixed(0)} requests/s, ${(here / other).toFixed(3)}x (${hereFirst ? 'this' : 'other'} first)\n`,
        );
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return Object.entries(ratios).map(([style, rs]) => ({
    style,
    ratios: rs,
    ...ratioInterval(rs),
    faster: rs.filter((r) => r > 1).length,
  }));
}

/** The verdict line of one style: a regression only where the whole interval lies under 1. */
export function comparisonLine(c: StyleComparison): string {
  const verdict =
    c.high < 1
      ? `REGRESSION: this runner is slower (the whole interval is under 1)`
      : c.low > 1
        ? 'this runner is faster'
        : `no difference measured; a loss beyond ${((1 - c.low) * 100).toFixed(0)} % is excluded`;
  return `this/other, ${c.style}: geometric mean ${c.geomean.toFixed(3)} over ${c.ratios.length} pairs (95 % interval ${c.low.toFixed(3)}-${c.high.toFixed(3)}; this faster in ${c.faster}): ${verdict}\n`;
}
