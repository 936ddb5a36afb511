#!/usr/bin/env tsx
// Seeding throughput: the incident preset from scratch, against pgbench -i on the same server in the same run.
// Runs alternate (loadlab, pgbench, loadlab, ...) so both see the same machine; the median run is reported.
// npm run bench:seed [-- --preset incident] [--pgbench-scale 20] [--runs 3]
import { execFileSync, spawnSync } from 'node:child_process';
import pg from 'pg';
import { openDatabase } from './db/database.ts';
import { prepareDataset, type SeedPhases } from '../datasets/prepare.ts';
import { presetSpec, DEFAULT_SEED } from '../datasets/presets.ts';
import { runMain, parseCli, parseIntFlag } from './lib/main.ts';
import { progressLog } from './lib/verbosity.ts';

interface SeedRun {
  rows: number;
  seconds: number;
  phases: SeedPhases;
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
  const seeds: SeedRun[] = [];
  const pgbenchSeconds: number[] = [];
  try {
    for (let run = 1; run <= runs; run++) {
      await recreate(admin, 'loadlab_bench_seed');
      log(`run ${run}/${runs}: seeding ${spec.name} from scratch`);
      const t0 = performance.now();
      const result = await prepareDataset(db.url, { spec, seed: DEFAULT_SEED, log });
      const seconds = (performance.now() - t0) / 1000;
      const rows = Object.values(result.manifest.row_counts).reduce((a, b) => a + b, 0);
      seeds.push({ rows, seconds, phases: result.phases! });
      let line = `run ${run}: loadlab ${s2(seconds)} s`;
      if (withPgbench) {
        await recreate(admin, 'loadlab_bench_pgbench');
        log(`run ${run}/${runs}: pgbench -i -s ${scale}`);
        const p0 = performance.now();
        execFileSync('pgbench', ['-i', '-q', '-s', String(scale), pgbenchUrl], { stdio: ['ignore', 'ignore', 'pipe'] });
        pgbenchSeconds.push((performance.now() - p0) / 1000);
        line += `, pgbench -i ${s2(pgbenchSeconds.at(-1)!)} s, ratio ${s2(rows / seconds / (pgRows / pgbenchSeconds.at(-1)!))}x`;
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
  const pgSeconds = median(pgbenchSeconds, (s) => s);
  const pgRate = pgRows / pgSeconds;
  console.log(`pgbench -i -s ${scale}: ${pgRows} rows (narrow, primary keys, VACUUM) in ${s2(pgSeconds)} s = ${Math.round(pgRate)} rows/s (median of ${runs})`);
  console.log(`ratio loadlab/pgbench rows/s: ${s2(rate / pgRate)}x (target >= 0.5x); seed time target <= 30 s: ${seed.seconds <= 30 ? 'met' : 'MISSED'}`);
  // The ceiling: the database's own share (COPY, pretix's indexes, ANALYZE) as if generation took no time at all.
  console.log(`  database share alone: ${s2(dbSeconds)} s = ${s2(seed.rows / dbSeconds / pgRate)}x pgbench's rows/s, the ratio's ceiling with generation free`);
});
