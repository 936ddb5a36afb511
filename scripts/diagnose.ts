#!/usr/bin/env tsx
// Live diagnosis of running PostgreSQL servers: the cause, its tenant and the symptoms, per interval:
//   npm run diagnose -- [--database-url URL]... [--interval-s 1] [--window-s 60] [--duration-s N] [--out DIR] [--json]
// Without --database-url: DATABASE_URL, else the embedded server (attached to when another command runs it).
import path from 'node:path';
import { UserError } from '../common/user-error.ts';
import { parseIntFlag, parseNumberFlag, runCommand } from '../harness/cli/main.ts';
import { defineCommand } from '../harness/cli/flags.ts';
import { openDatabase } from '../harness/db/database.ts';
import { ensureWritableDir } from '../harness/files/writable.ts';
import { interruption, onCleanup } from '../harness/process/cleanup.ts';
import { checkServerUrl, screen } from '../harness/diagnosis/render.ts';
import { watchDiagnosis } from '../harness/stats/live/watch.ts';

export const command = defineCommand({
  npm: 'diagnose',
  about: `Watches one or more running PostgreSQL servers (a primary and its replicas) through their statistics only,
    as a role with pg_monitor, and says per interval what is wrong: quiet, busy or stressed; the cause (the statement
    doing most of the work at a cost per call that was high before the stress); its tenants from the statements'
    sqlcommenter tags; the symptoms (statements slowed down while doing the same work); and the next step. On a
    terminal a live screen; piped, one line per change of verdict; --json, one loadlab.diagnose/v1 line per interval.`,
  flags: {
    'database-url': {
      type: 'string',
      multiple: true,
      arg: 'URL',
      defaultText: "DATABASE_URL, else the harness's embedded server",
      help: 'a server to watch (repeat it for a primary and its replicas)',
    },
    'interval-s': { type: 'string', arg: 'S', default: '1', help: 'seconds between verdicts (0.25 to 3600)' },
    'window-s': { type: 'string', arg: 'S', default: '60', help: 'seconds each verdict looks back over' },
    'duration-s': { type: 'string', arg: 'N', defaultText: 'until Ctrl-C', help: 'stop after this many seconds' },
    out: {
      type: 'string',
      arg: 'DIR',
      defaultText: 'none',
      help: 'write diagnosis.ndjson as it goes and diagnosis.md at the end (Ctrl-C included)',
    },
    json: { type: 'boolean', help: 'one loadlab.diagnose/v1 JSON line per interval on stdout' },
  },
  examples: [
    '--database-url postgres://monitor@db1:5432/pretix --database-url postgres://monitor@db2:5432/pretix',
    '--duration-s 120 --out reports/diagnose --json',
  ],
  exitCodes: { 0: '--duration-s ran out; diagnosis.md is written when --out was given (after Ctrl-C too, with 130)' },
});

await runCommand(import.meta.url, command, async ({ values }) => {
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
