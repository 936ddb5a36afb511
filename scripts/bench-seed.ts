#!/usr/bin/env tsx
// Seeding throughput: the incident preset from scratch, against pgbench -i on the same server in the same run.
// Runs alternate (loadlab, pgbench, loadlab, ...) so both see the same machine; the median run is reported.
// npm run bench:seed [-- --preset incident] [--pgbench-scale 20] [--runs 3]
import { execFileSync, spawnSync } from 'node:child_process';
import os from 'node:os';
import pg from 'pg';
import { openDatabase } from './db/database.ts';
import { prepareDataset, type SeedPhases } from '../datasets/prepare.ts';
import { presetSpec, DEFAULT_SEED } from '../datasets/presets.ts';
import { runMain, parseCli, parseIntFlag } from './lib/main.ts';
import { progressLog } from './lib/verbosity.ts';
import { procSampler, reapedChildrenCpuSeconds, type ProcSampler } from './stats/sources/proc.ts';

/** CPU seconds a side used: the client (Node or pgbench) and the PostgreSQL processes */
interface CpuUse {
  client: number;
  postgres: number;
}

interface SeedRun {
  rows: number;
  seconds: number;
  phases: SeedPhases;
  cpu?: CpuUse;
}

interface PgbenchRun {
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
async function withCpu<T>(postgres: ProcSampler | undefined, client: () => number, step: () => Promise<T>): Promise<[T, CpuUse | undefined]> {
  const before = await postgres?.sample();
  const c0 = client();
  const result = await step();
  const c1 = client();
  const after = await postgres?.sample();
  return [result, before && after ? { client: c1 - c0, postgres: (after.cpu_ms - before.cpu_ms) / 1000 } : undefined];
}

function hasPgbench(): boolean {
  return spawnSync('pgbench', ['--version'], { stdio: 'ignore' }).status === 0;
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

const recreate = (adminUrl: string, name: string) => adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${name}`, `CREATE DATABASE ${name}`);

function median<T>(items: T[], key: (t: T) => number): T {
  return [...items].sort((a, b) => key(a) - key(b))[Math.floor(items.length / 2)];
}

const s2 = (n: number) => n.toFixed(2);

await runMain(async () => {
  const { values } = parseCli({
    preset: { type: 'string', default: 'incident' },
    'pgbench-scale': { type: 'string', default: '20' },
    runs: { type: 'string', default: '3' },
  });
  const spec = presetSpec(values.preset!);
  const scale = parseIntFlag('pgbench-scale', values['pgbench-scale'], 1, 1000)!;
  const runs = parseIntFlag('runs', values.runs, 1, 20)!;
  const log = progressLog();
  if (process.env.DATABASE_URL) {
    console.log('note: bench:seed uses the embedded server only (it creates and drops databases of its own); DATABASE_URL is ignored');
    delete process.env.DATABASE_URL;
  }
  const db = await openDatabase({ database: 'loadlab_bench_seed', log });
  const admin = db.url.replace(/\/[^/]*$/, '/postgres');
  const pgbenchUrl = db.url.replace(/\/[^/]*$/, '/loadlab_bench_pgbench');
  const pgRows = scale * (100_000 + 10 + 1);
  const withPgbench = hasPgbench();
  const postgresCpu = db.server && process.platform === 'linux' ? procSampler({ postmasterPid: db.server.pid }) : undefined;
  const seeds: SeedRun[] = [];
  const pgbenchRuns: PgbenchRun[] = [];
  try {
    for (let run = 1; run <= runs; run++) {
      await recreate(admin, 'loadlab_bench_seed');
      log(`run ${run}/${runs}: seeding ${spec.name} from scratch`);
      const t0 = performance.now();
      const [result, cpu] = await withCpu(postgresCpu, ownCpu, () => prepareDataset(db.url, { spec, seed: DEFAULT_SEED, log }));
      const seconds = (performance.now() - t0) / 1000;
      const rows = Object.values(result.manifest.row_counts).reduce((a, b) => a + b, 0);
      seeds.push({ rows, seconds, phases: result.phases!, cpu });
      let line = `run ${run}: loadlab ${s2(seconds)} s`;
      if (withPgbench) {
        await recreate(admin, 'loadlab_bench_pgbench');
        log(`run ${run}/${runs}: pgbench -i -s ${scale}`);
        const p0 = performance.now();
        const [, pcpu] = await withCpu(postgresCpu, childrenCpu, async () => {
          execFileSync('pgbench', ['-i', '-q', '-s', String(scale), pgbenchUrl], { stdio: ['ignore', 'ignore', 'pipe'] });
        });
        const pgSeconds = (performance.now() - p0) / 1000;
        pgbenchRuns.push({ seconds: pgSeconds, cpu: pcpu });
        line += `, pgbench -i ${s2(pgSeconds)} s, ratio ${s2(rows / seconds / (pgRows / pgSeconds))}x`;
      }
      console.log(line);
    }
  } finally {
    await adminQuery(admin, 'DROP DATABASE IF EXISTS loadlab_bench_pgbench', 'DROP DATABASE IF EXISTS loadlab_bench_seed');
    await db.close();
  }

  const seed = median(seeds, (s) => s.seconds);
  const rate = seed.rows / seed.seconds;
  const p = seed.phases;
  const dbSeconds = p.load + p.indexes + p.analyze;
  console.log(`loadlab seed  ${spec.name}: ${seed.rows} rows (${spec.dates} dates, all tables and indexes, ANALYZE) in ${s2(seed.seconds)} s = ${Math.round(rate)} rows/s (median of ${runs})`);
  console.log(`  phases: generate ${s2(p.generate)} s, schema + COPY ${s2(p.load)} s, indexes ${s2(p.indexes)} s, ANALYZE ${s2(p.analyze)} s`);
  if (!withPgbench) {
    console.log('pgbench is not on PATH: no side-by-side ratio (install postgresql-client to get one)');
    return;
  }
  const pgbench = median(pgbenchRuns, (r) => r.seconds);
  const pgRate = pgRows / pgbench.seconds;
  console.log(`pgbench -i -s ${scale}: ${pgRows} rows (narrow, primary keys, VACUUM) in ${s2(pgbench.seconds)} s = ${Math.round(pgRate)} rows/s (median of ${runs})`);
  console.log(`ratio loadlab/pgbench rows/s: ${s2(rate / pgRate)}x (target >= 0.5x); seed time target <= 30 s: ${seed.seconds <= 30 ? 'met' : 'MISSED'}`);
  // Two ceilings, so a missed ratio says what it would take: the database's share as run now (generation free),
  // and the CPU both sides spent, spread perfectly over every core (no pipeline can beat that).
  console.log(`  database share alone: ${s2(dbSeconds)} s = ${s2(seed.rows / dbSeconds / pgRate)}x pgbench's rows/s, the ratio's ceiling with generation free`);
  if (seed.cpu && pgbench.cpu) {
    const cores = os.availableParallelism();
    const floor = (seed.cpu.client + seed.cpu.postgres) / cores;
    console.log(
      `  cpu: loadlab node ${s2(seed.cpu.client)} s + postgres ${s2(seed.cpu.postgres)} s; pgbench client ${s2(pgbench.cpu.client)} s + postgres ${s2(pgbench.cpu.postgres)} s; ` +
        `on ${cores} cores loadlab's work needs >= ${s2(floor)} s = at most ${s2(seed.rows / floor / pgRate)}x, however it is scheduled`,
    );
  }
});
