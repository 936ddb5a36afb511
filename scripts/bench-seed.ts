#!/usr/bin/env tsx
// Seeding throughput: the incident preset from scratch, against pgbench -i on the same server in the same run.
// npm run bench:seed [-- --preset incident] [--pgbench-scale 20]
import { execFileSync, spawnSync } from 'node:child_process';
import pg from 'pg';
import { openDatabase } from './db/database.ts';
import { prepareDataset } from '../datasets/prepare.ts';
import { presetSpec, DEFAULT_SEED } from '../datasets/presets.ts';
import { runMain, parseCli, parseIntFlag } from './lib/main.ts';
import { progressLog } from './lib/verbosity.ts';

function hasPgbench(): boolean {
  return spawnSync('pgbench', ['--version'], { stdio: 'ignore' }).status === 0;
}

async function recreateDatabase(adminUrl: string, name: string): Promise<void> {
  const c = new pg.Client(adminUrl);
  await c.connect();
  await c.query(`DROP DATABASE IF EXISTS ${name}`);
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
}

await runMain(async () => {
  const { values } = parseCli({ preset: { type: 'string', default: 'incident' }, 'pgbench-scale': { type: 'string', default: '20' } });
  const spec = presetSpec(values.preset!);
  const scale = parseIntFlag('pgbench-scale', values['pgbench-scale'], 1, 1000)!;
  const log = progressLog();
  if (process.env.DATABASE_URL) {
    console.log('note: bench:seed uses the embedded server only (it creates and drops databases of its own); DATABASE_URL is ignored');
    delete process.env.DATABASE_URL;
  }
  const db = await openDatabase({ database: 'loadlab_bench_seed', log });
  const admin = db.url.replace(/\/[^/]*$/, '/postgres');
  await recreateDatabase(admin, 'loadlab_bench_seed');

  log(`seeding ${spec.name} from scratch`);
  const t0 = performance.now();
  const result = await prepareDataset(db.url, { spec, seed: DEFAULT_SEED, log });
  const seedSeconds = (performance.now() - t0) / 1000;
  const rows = Object.values(result.manifest.row_counts).reduce((a, b) => a + b, 0);
  const rate = rows / seedSeconds;
  console.log(`loadlab seed  ${spec.name}: ${rows} rows (${spec.dates} dates, all tables and indexes, ANALYZE) in ${seedSeconds.toFixed(2)} s = ${Math.round(rate)} rows/s`);

  if (!hasPgbench()) {
    console.log('pgbench is not on PATH: no side-by-side ratio (install postgresql-client to get one)');
  } else {
    await recreateDatabase(admin, 'loadlab_bench_pgbench');
    const pgbenchUrl = db.url.replace(/\/[^/]*$/, '/loadlab_bench_pgbench');
    log(`pgbench -i -s ${scale}`);
    const p0 = performance.now();
    execFileSync('pgbench', ['-i', '-q', '-s', String(scale), pgbenchUrl], { stdio: ['ignore', 'ignore', 'pipe'] });
    const pgSeconds = (performance.now() - p0) / 1000;
    const pgRows = scale * (100_000 + 10 + 1);
    const pgRate = pgRows / pgSeconds;
    console.log(`pgbench -i -s ${scale}: ${pgRows} rows (narrow, primary keys, VACUUM) in ${pgSeconds.toFixed(2)} s = ${Math.round(pgRate)} rows/s`);
    console.log(`ratio loadlab/pgbench rows/s: ${(rate / pgRate).toFixed(2)}x (target >= 0.5x); seed time target <= 30 s: ${seedSeconds <= 30 ? 'met' : 'MISSED'}`);
    await recreateDatabase(admin, 'loadlab_bench_pgbench');
  }
  const c = new pg.Client(admin);
  await c.connect();
  await c.query('DROP DATABASE IF EXISTS loadlab_bench_pgbench');
  await c.query('DROP DATABASE IF EXISTS loadlab_bench_seed');
  await c.end();
  await db.close();
});
