#!/usr/bin/env tsx
// Sample DB I/O statistics to NDJSON until Ctrl-C or for --duration-s:
//   npm run db:stats -- [--preset P] [--interval-ms N] [--out F] [--duration-s N] [--reset]
// Without --preset it samples DATABASE_URL, or the embedded server's default database. It attaches to the
// embedded server when another loadlab command (npm run shop, a load run) already runs it, and starts it
// otherwise; so it is most useful alongside `npm run shop` or against DATABASE_URL.
import path from 'node:path';
import { runMain, parseCli, parseIntFlag } from '../harness/cli/main.ts';
import { onCleanup, onSignal } from '../harness/process/cleanup.ts';
import { reportsDir } from '../harness/files/paths.ts';
import { ensureWritableFile } from '../harness/files/writable.ts';
import { openDatabase, redact, type Database } from '../harness/db/database.ts';
import { openDataset } from '../harness/db/dataset.ts';
import { startSampler, resetStatistics, phaseDeltas, readSamples, type Sampler } from '../harness/stats/index.ts';

await runMain(async () => {
  const { values } = parseCli({
    preset: { type: 'string' },
    'interval-ms': { type: 'string' },
    out: { type: 'string' },
    'duration-s': { type: 'string' },
    reset: { type: 'boolean', default: false },
  });
  const intervalMs = parseIntFlag('interval-ms', values['interval-ms'], 10, 3_600_000) ?? 1000;
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
