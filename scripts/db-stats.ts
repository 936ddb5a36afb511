#!/usr/bin/env tsx
// Sample DB I/O statistics to NDJSON until Ctrl-C or for --duration-s:
//   npm run db:stats -- [--preset P] [--interval-ms N] [--out F] [--duration-s N] [--reset]
// Without --preset it samples DATABASE_URL, or the embedded server's default database. It attaches to the
// embedded server when another loadlab command (npm run shop, a load run) already runs it, and starts it
// otherwise; so it is most useful alongside `npm run shop` or against DATABASE_URL.
import path from 'node:path';
import { runCommand, parseIntFlag } from '../harness/cli/main.ts';
import { defineCommand } from '../harness/cli/flags.ts';
import { presetFlagChosen } from '../harness/cli/common-flags.ts';
import { onCleanup, onSignal } from '../harness/process/cleanup.ts';
import { reportsDir } from '../harness/files/paths.ts';
import { ensureWritableFile } from '../harness/files/writable.ts';
import { openDatabase, redact, type Database } from '../harness/db/database.ts';
import { openDataset } from '../harness/db/dataset.ts';
import { startSampler, resetStatistics, phaseDeltas, readSamples, type Sampler } from '../harness/stats/index.ts';

export const command = defineCommand({
  npm: 'db:stats',
  about: `Samples pg_stat_database, pg_stat_io, pg_stat_statements, pg_stat_activity and the server processes'
    /proc I/O into NDJSON, one line per sample, until Ctrl-C or for --duration-s; then prints the deltas. It
    attaches to the embedded server when another loadlab command (the shop, a load run) runs it, and starts it
    otherwise; with DATABASE_URL set it samples that server.`,
  flags: {
    preset: {
      ...presetFlagChosen("DATABASE_URL's database, or the embedded server's default one"),
      help: 'sample the database of this dataset (seeded first if needed)',
    },
    'interval-ms': {
      type: 'string',
      arg: 'N',
      default: '1000',
      help: 'milliseconds between samples (10 to 3600000)',
    },
    out: { type: 'string', arg: 'FILE', defaultText: 'reports/db-stats-<time>.ndjson', help: 'NDJSON file to write' },
    'duration-s': {
      type: 'string',
      arg: 'N',
      defaultText: 'until Ctrl-C',
      help: 'stop after this many seconds',
    },
    reset: {
      type: 'boolean',
      help: "reset the server's statistics first (pg_stat_database, pg_stat_statements, pg_stat_io)",
    },
  },
  examples: ['--preset tiny --duration-s 30', '--interval-ms 500 --out /tmp/stats.ndjson'],
  exitCodes: { 0: '--duration-s ran out; the file is written (after Ctrl-C too, with 130)' },
});

await runCommand(import.meta.url, command, async ({ values }) => {
  const intervalMs = parseIntFlag('interval-ms', values['interval-ms'], 10, 3_600_000)!;
  const durationS = parseIntFlag('duration-s', values['duration-s'], 1, 7 * 24 * 3600);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const outFile = path.resolve(values.out ?? path.join(reportsDir, `db-stats-${stamp}.ndjson`));
  const log = (line: string) => process.stderr.write(`${line}\n`);
  ensureWritableFile(outFile, '--out');

  let db: Database;
  if (values.preset !== undefined) {
    db = (await openDataset({ preset: values.preset, log })).db;
  } else {
    db = await openDatabase({ log });
  }
  try {
    if (values.reset) {
      const r = await resetStatistics(db.url);
      log(`reset: pg_stat_database${r.statements ? ', pg_stat_statements' : ''}${r.io ? ', pg_stat_io' : ''}`);
    }
    const stop = new AbortController();
    onSignal(() => stop.abort());
    const sampler = await startSampler({
      url: db.url,
      intervalMs,
      outFile,
      postmasterPid: db.server?.pid,
      signal: stop.signal,
      log,
    });
    // Ctrl-C runs the cleanups and exits: this one (registered after the server's, so run before it stops)
    // flushes the file and prints the summary; the normal end awaits the same promise
    let finishing: Promise<void> | undefined;
    const finish = () => (finishing ??= summarise(sampler, outFile));
    onCleanup('db stats sampler', finish);
    log(
      `sampling ${redact(db.url)} every ${intervalMs} ms into ${outFile.startsWith(process.cwd() + path.sep) ? path.relative(process.cwd(), outFile) : outFile}${durationS ? ` for ${durationS} s` : ' until Ctrl-C'}`,
    );
    await new Promise<void>((resolve) => {
      const timer = durationS ? setTimeout(resolve, durationS * 1000) : undefined;
      stop.signal.addEventListener(
        'abort',
        () => {
          clearTimeout(timer);
          resolve();
        },
        { once: true },
      );
    });
    await finish();
  } finally {
    await db.close();
  }
});

async function summarise(sampler: Sampler, outFile: string): Promise<void> {
  const summary = await sampler.stop();
  const samples = await readSamples(outFile);
  const [whole] = phaseDeltas(samples, [
    { name: 'run', startMs: summary.first_ts_ms ?? 0, endMs: summary.last_ts_ms ?? 0 },
  ]);
  const fmt = (n: number | null, unit = '') => (n === null ? 'n/a' : `${n.toLocaleString('en-US')}${unit}`);
  const mb = (n: number | null) => (n === null ? 'n/a' : `${(n / 1048576).toFixed(1)} MB`);
  const pl = whole.product_list_query;
  console.log(
    [
      `${summary.samples} samples (${summary.errors} failed) in ${outFile}; sampler cost ${summary.cost_ms.mean} ms/sample (max ${summary.cost_ms.max})`,
      `db: blks_read ${fmt(whole.blks_read)}, blks_hit ${fmt(whole.blks_hit)}, temp ${mb(whole.temp_bytes)} in ${fmt(whole.temp_files)} files`,
      `os: read ${mb(whole.os_read_bytes)}, write ${mb(whole.os_write_bytes)}, cpu ${fmt(whole.cpu_ms, ' ms')}`,
      `product-list query: ${pl ? `${pl.calls} calls, mean ${pl.mean_ms ?? 'n/a'} ms, shared hit ${pl.shared_blks_hit} read ${pl.shared_blks_read}, temp written ${pl.temp_blks_written} blocks` : 'n/a (no pg_stat_statements)'}`,
    ].join('\n'),
  );
}
