import pg from 'pg';
import { $ } from 'zx';
import { openDatabase } from '../db/database.ts';
import { prepareDataset, type SeedPhases } from '../../datasets/prepare.ts';
import { DEFAULT_SEED, type DatasetSpec } from '../../datasets/presets.ts';
import { procSampler, reapedChildrenCpuSeconds, type ProcSampler } from '../stats/sources/proc.ts';

/** CPU seconds a side used: the client (Node or pgbench) and the PostgreSQL processes */
export interface CpuUse {
  client: number;
  postgres: number;
}

export interface SeedRun {
  rows: number;
  seconds: number;
  phases: SeedPhases;
  cpu?: CpuUse;
}

export interface PgbenchRun {
  seconds: number;
  cpu?: CpuUse;
}

/** CPU time of this process, or of its reaped children (pgbench), in seconds. */
function ownCpu(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}
const childrenCpu = () => reapedChildrenCpuSeconds(process.pid) ?? 0;

/** Measures the CPU a step costs on both sides, where /proc and the embedded server's postmaster allow it. */
async function withCpu<T>(
  postgres: ProcSampler | undefined,
  client: () => number,
  step: () => Promise<T>,
): Promise<[T, CpuUse | undefined]> {
  const before = await postgres?.sample();
  const c0 = client();
  const result = await step();
  const c1 = client();
  const after = await postgres?.sample();
  return [result, before && after ? { client: c1 - c0, postgres: (after.cpu_ms - before.cpu_ms) / 1000 } : undefined];
}

async function hasPgbench(): Promise<boolean> {
  return (await $({ nothrow: true, quiet: true })`pgbench --version`).exitCode === 0;
}

async function adminQuery(adminUrl: string, ...statements: string[]): Promise<void> {
  const c = new pg.Client(adminUrl);
  await c.connect();
  try {
    for (const s of statements) await c.query(s);
  } finally {
    await c.end();
  }
}

const recreate = (adminUrl: string, name: string) =>
  adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name}`, `CREATE DATABASE ${name}`);

export function median<T>(items: T[], key: (t: T) => number): T {
  return [...items].sort((a, b) => key(a) - key(b))[Math.floor(items.length / 2)];
}

const s2 = (n: number) => n.toFixed(2);

export interface SeedBenchOptions {
  spec: DatasetSpec;
  /** pgbench -i -s SCALE is the peer */
  scale: number;
  runs: number;
  log: (line: string) => void;
  say: (line: string) => void;
}

export interface SeedBench {
  seeds: SeedRun[];
  /** empty without pgbench on PATH */
  pgbenchRuns: PgbenchRun[];
  pgRows: number;
}

/**
 * Seeds the preset from scratch and runs pgbench -i on the same server, alternating (loadlab, pgbench, loadlab,
 * ...) so both see the same machine. The databases it makes are its own and dropped at the end.
 */
export async function benchSeed(o: SeedBenchOptions): Promise<SeedBench> {
  const { spec, scale, runs, log, say } = o;
  const db = await openDatabase({ database: 'loadlab_bench_seed', log });
  const admin = db.url.replace(/\/[^/]*$/, '/postgres');
  const pgbenchUrl = db.url.replace(/\/[^/]*$/, '/loadlab_bench_pgbench');
  const pgRows = scale * (100_000 + 10 + 1);
  const withPgbench = await hasPgbench();
  const postgresCpu =
    db.server && process.platform === 'linux' ? procSampler({ postmasterPid: db.server.pid }) : undefined;
  const seeds: SeedRun[] = [];
  const pgbenchRuns: PgbenchRun[] = [];
  try {
    for (let run = 1; run <= runs; run++) {
      await recreate(admin, 'loadlab_bench_seed');
      log(`run ${run}/${runs}: seeding ${spec.name} from scratch`);
      const t0 = performance.now();
      const [result, cpu] = await withCpu(postgresCpu, ownCpu, () =>
        prepareDataset(db.url, { spec, seed: DEFAULT_SEED, log }),
      );
      const seconds = (performance.now() - t0) / 1000;
      const rows = Object.values(result.manifest.row_counts).reduce((a, b) => a + b, 0);
      seeds.push({ rows, seconds, phases: result.phases!, cpu });
      let line = `run ${run}: loadlab ${s2(seconds)} s`;
      if (withPgbench) {
        await recreate(admin, 'loadlab_bench_pgbench');
        log(`run ${run}/${runs}: pgbench -i -s ${scale}`);
        const p0 = performance.now();
        const [, pcpu] = await withCpu(postgresCpu, childrenCpu, async () => {
          await $({ quiet: true })`pgbench -i -q -s ${scale} ${pgbenchUrl}`;
        });
        const pgSeconds = (performance.now() - p0) / 1000;
        pgbenchRuns.push({ seconds: pgSeconds, cpu: pcpu });
        line += `, pgbench -i ${s2(pgSeconds)} s, ratio ${s2(rows / seconds / (pgRows / pgSeconds))}x`;
      }
      say(line);
    }
  } finally {
    await adminQuery(
      admin,
      'DROP DATABASE IF EXISTS loadlab_bench_pgbench',
      'DROP DATABASE IF EXISTS loadlab_bench_seed',
    );
    await db.close();
  }

  return { seeds, pgbenchRuns: withPgbench ? pgbenchRuns : [], pgRows };
}
