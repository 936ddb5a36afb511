#!/usr/bin/env tsx
// Live diagnosis of running PostgreSQL servers: the cause, its tenant and the symptoms, per interval:
//   npm run diagnose -- [--database-url URL]... [--interval-s 1] [--window-s 60] [--duration-s N] [--out DIR] [--json]
// Without --database-url: DATABASE_URL, else the embedded server (attached to when another command runs it).
import path from 'node:path';
import { UserError } from '../common/user-error.ts';
import { parseCli, parseIntFlag, parseNumberFlag, runMain } from '../harness/cli/main.ts';
import { openDatabase } from '../harness/db/database.ts';
import { ensureWritableDir } from '../harness/files/writable.ts';
import { interruption, onCleanup } from '../harness/process/cleanup.ts';
import { checkServerUrl, screen } from '../harness/diagnosis/live/render.ts';
import { watchDiagnosis } from '../harness/diagnosis/live/watch.ts';

await runMain(async () => {
  const { values } = parseCli({
    'database-url': { type: 'string', multiple: true },
    'interval-s': { type: 'string' },
    'window-s': { type: 'string' },
    'duration-s': { type: 'string' },
    out: { type: 'string' },
    json: { type: 'boolean', default: false },
  });
  const intervalS =
    parseNumberFlag('interval-s', values['interval-s'], (n) => n >= 0.25 && n <= 3600, 'seconds from 0.25 to 3600') ??
    1;
  const windowS = parseIntFlag('window-s', values['window-s'], 1, 24 * 3600) ?? 60;
  if (windowS < intervalS)
    throw new UserError(
      `--window-s ${windowS} is shorter than --interval-s ${intervalS} (accepted: at least the interval)`,
    );
  const durationS = parseIntFlag('duration-s', values['duration-s'], 1, 30 * 24 * 3600);
  const out = values.out === undefined ? undefined : path.resolve(values.out);
  if (out !== undefined) ensureWritableDir(out, '--out');
  const log = (line: string) => process.stderr.write(`${line}\n`);

  let urls = (values['database-url'] ?? []).map(checkServerUrl);
  if (urls.length === 0) {
    const db = await openDatabase({ log });
    onCleanup('database', () => db.close());
    urls = [db.url];
  }
  const stop = interruption();
  const live = process.stdout.isTTY && !values.json;
  const handle = await watchDiagnosis({
    urls,
    intervalS,
    windowS,
    out,
    onNote: (line) => log(`note: ${line}`),
    onLine: (line, changed) => {
      if (values.json) process.stdout.write(`${JSON.stringify(line)}\n`);
      else if (live) process.stdout.write(`\x1b[H\x1b[2J${screen(line)}\n`);
      else for (const c of changed) process.stdout.write(`${line.at.slice(11, 19)} ${c}\n`);
    },
  });
  // Ctrl-C runs the cleanups: this one writes diagnosis.md before the process exits
  onCleanup('diagnose', async () => {
    await handle.stop();
  });
  log(
    `watching ${urls.length} server(s), a verdict every ${intervalS} s over ${windowS} s${durationS ? ` for ${durationS} s` : ' until Ctrl-C'}${out ? `; writing ${path.relative(process.cwd(), out) || '.'}/diagnosis.ndjson` : ''}`,
  );
  await new Promise<void>((resolve) => {
    const timer = durationS ? setTimeout(resolve, durationS * 1000) : undefined;
    stop.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
  const { costs, elapsed_ms } = await handle.stop();
  for (const c of costs) {
    const share = (ms: number) => `${((100 * ms) / elapsed_ms).toFixed(2)} %`;
    const parts = [
      c.exec_ms === null ? null : `its statements ran ${share(c.exec_ms)} of the time`,
      c.backend_cpu_ms === null ? null : `its backend used ${share(c.backend_cpu_ms)} of one CPU`,
    ].filter((p) => p !== null);
    if (parts.length > 0) log(`own cost on ${c.name}: ${parts.join(', ')}`);
  }
  if (out) log(`wrote ${path.join(out, 'diagnosis.md')}`);
});
