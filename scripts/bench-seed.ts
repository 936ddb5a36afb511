#!/usr/bin/env tsx
// Seeding throughput: the incident preset from scratch, against pgbench -i on the same server in the same run.
// Runs alternate (loadlab, pgbench, loadlab, ...) so both see the same machine; the median run is reported.
// npm run bench:seed [-- --preset incident] [--pgbench-scale 20] [--runs 3]
import os from 'node:os';
import { presetSpec } from '../datasets/presets.ts';
import { runCommand, parseIntFlag } from '../harness/cli/main.ts';
import { defineCommand } from '../harness/cli/flags.ts';
import { presetFlag } from '../harness/cli/common-flags.ts';
import { progressLog } from '../harness/cli/progress.ts';
import { benchSeed, median } from '../harness/bench/seed.ts';

const s2 = (n: number) => n.toFixed(2);

export const command = defineCommand({
  npm: 'bench:seed',
  about: `Seeds the preset from scratch on the embedded server and compares rows/s with pgbench -i on the same
    server, runs alternating (loadlab, pgbench, loadlab, ...) so both see the same machine; prints the median run
    and the time per phase. DATABASE_URL is ignored.`,
  flags: {
    preset: presetFlag('incident'),
    'pgbench-scale': { type: 'string', arg: 'N', default: '20', help: 'pgbench -i scale factor (1 to 1000)' },
    runs: { type: 'string', arg: 'N', default: '3', help: 'runs of each (1 to 20); the median is reported' },
  },
  examples: ['', '--preset small --runs 5'],
  exitCodes: { 0: 'figures printed' },
});

await runCommand(import.meta.url, command, async ({ values }) => {
  const spec = presetSpec(values.preset);
  const scale = parseIntFlag('pgbench-scale', values['pgbench-scale'], 1, 1000)!;
  const runs = parseIntFlag('runs', values.runs, 1, 20)!;
  const log = progressLog();
  if (process.env.DATABASE_URL) {
    console.log(
      'note: bench:seed uses the embedded server only (it creates and drops databases of its own); DATABASE_URL is ignored',
    );
    delete process.env.DATABASE_URL;
  }
  const { seeds, pgbenchRuns, pgRows } = await benchSeed({ spec, scale, runs, log, say: (line) => console.log(line) });
  const seed = median(seeds, (s) => s.seconds);
  const rate = seed.rows / seed.seconds;
  const p = seed.phases;
  const dbSeconds = p.load + p.indexes + p.analyze;
  console.log(
    `loadlab seed  ${spec.name}: ${seed.rows} rows (${spec.dates} dates, all tables and indexes, ANALYZE) in ${s2(seed.seconds)} s = ${Math.round(rate)} rows/s (median of ${runs})`,
  );
  console.log(
    `  phases: generate ${s2(p.generate)} s, schema + COPY ${s2(p.load)} s, indexes ${s2(p.indexes)} s, ANALYZE ${s2(p.analyze)} s`,
  );
  if (pgbenchRuns.length === 0) {
    console.log('pgbench is not on PATH: no side-by-side ratio (install postgresql-client to get one)');
    return;
  }
  const pgbench = median(pgbenchRuns, (r) => r.seconds);
  const pgRate = pgRows / pgbench.seconds;
  console.log(
    `pgbench -i -s ${scale}: ${pgRows} rows (narrow, primary keys, VACUUM) in ${s2(pgbench.seconds)} s = ${Math.round(pgRate)} rows/s (median of ${runs})`,
  );
  console.log(
    `ratio loadlab/pgbench rows/s: ${s2(rate / pgRate)}x (target >= 0.5x); seed time target <= 30 s: ${seed.seconds <= 30 ? 'met' : 'MISSED'}`,
  );
  // Two ceilings, so a missed ratio says what it would take: the database's share as run now (generation free),
  // and the CPU both sides spent, spread perfectly over every core (no pipeline can beat that).
  console.log(
    `  database share alone: ${s2(dbSeconds)} s = ${s2(seed.rows / dbSeconds / pgRate)}x pgbench's rows/s, the ratio's ceiling with generation free`,
  );
  if (seed.cpu && pgbench.cpu) {
    const cores = os.availableParallelism();
    const floor = (seed.cpu.client + seed.cpu.postgres) / cores;
    console.log(
      `  cpu: loadlab node ${s2(seed.cpu.client)} s + postgres ${s2(seed.cpu.postgres)} s; pgbench client ${s2(pgbench.cpu.client)} s + postgres ${s2(pgbench.cpu.postgres)} s; ` +
        `on ${cores} cores loadlab's work needs >= ${s2(floor)} s = at most ${s2(seed.rows / floor / pgRate)}x, however it is scheduled`,
    );
  }
});
