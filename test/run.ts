// npm test / npm run test:unit: node's test runner over every test file, several files at a time. Each file runs in
// a process of its own with a database server and data folder of its own (helpers/db.ts), and its commands and
// servers listen on ports the kernel hands out, so files do not see each other. The longest files start first so
// that the short ones fill the gaps instead of one long file running alone at the end.
//   node --import tsx test/run.ts [unit | FILE...]     LOADLAB_TEST_CONCURRENCY=N (default 4) files at a time
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';
import { projectRoot } from '../harness/files/paths.ts';
import { prepareTemplate } from './helpers/db.ts';
import { reportsChanges, restoreLinks, snapshotReports } from './helpers/reports-snapshot.ts';
import { testConcurrency } from './helpers/timeouts.ts';

/**
 * The capacity sweep measures speed: its old query must sustain fewer visitors at 3,000 dates than at 300 (beside
 * other files, the 300-date steps ran on a busier machine and lost: 249 against 1,092 visitors/min). It runs alone
 * after the others, so that the suite's own load does not decide what it measures. The runner's precision targets
 * live in bench:runner; two of its files still hold wall-clock bounds a broken scheduler misses (arrivals dropped
 * while every VU is stalled, a 2 s run ending within 10 s), which four files at a time on two cores also missed in a
 * fresh clone (308 dropped against at most 300; 11.8 s): they run alone too, their bounds unchanged, and so does the
 * arrival-rate scheduler's precision at 1,000 iterations/s.
 */
const ALONE = new Set([
  'capacity.test.ts',
  'runner-executors.test.ts',
  'runner-k6-flags.test.ts',
  // 1,000 arrivals/s with a start lag p99 under 500 ms: 790 ms beside three other files in a fresh clone
  'runner-arrival.test.ts',
]);

/**
 * Seconds each long file took in the pool (2026-12-06 13:25, four at a time on 2 cores shared with two other builds, load
 * average 9-15): the order to start them in. A file not listed starts after these, in name
 * order; the figures only order the queue, they are not limits.
 */
const SECONDS: Record<string, number> = {
  'timeline.test.ts': 138,
  'partition.test.ts': 136,
  'faults.test.ts': 133,
  'capacity.test.ts': 132,
  'audit-plants.test.ts': 111,
  'audit.test.ts': 108,
  'incident.test.ts': 107,
  'gate.test.ts': 104,
  'diagnose-faults.test.ts': 103,
  'cli-install.test.ts': 101,
  'diagnose-shop.test.ts': 61,
  'cli-commands.test.ts': 50,
  'stats-cli.test.ts': 47,
  'faults-disk.test.ts': 42,
  'runner-cli.test.ts': 37,
  'runner-arrival.test.ts': 28,
  'diagnose-debian.test.ts': 28,
  'datasets.test.ts': 27,
  'shop-queries.test.ts': 22,
  'runner-h2.test.ts': 20,
  'runner-latency.test.ts': 20,
  'replicas.test.ts': 20,
  'runner-segments.test.ts': 20,
  'shop-concurrency.test.ts': 16,
  'merge-input.test.ts': 15,
  'diagnose-replica.test.ts': 14,
  'report-browser.test.ts': 14,
};

function testFiles(folder: string): string[] {
  return readdirSync(path.join(projectRoot, folder))
    .filter((f) => f.endsWith('.test.ts'))
    .sort()
    .map((f) => path.join(projectRoot, folder, f));
}

function choose(args: string[]): string[] {
  if (args.length === 0) return [...testFiles('test/unit'), ...testFiles('test')];
  if (args.length === 1 && args[0] === 'unit') return testFiles('test/unit');
  return args.map((f) => path.resolve(f));
}

function concurrency(): number {
  const n = testConcurrency();
  if (n === undefined) {
    process.stderr.write(
      `error: LOADLAB_TEST_CONCURRENCY '${process.env.LOADLAB_TEST_CONCURRENCY}' is not a whole number from 1 to 16\n`,
    );
    process.exit(1);
  }
  return n;
}

/** seconds per file: the sum of its top-level tests, for the table at the end */
const fileSeconds = new Map<string, number>();

interface TestEvent {
  nesting: number;
  file?: string;
  details: { duration_ms: number };
}

function tally(data: TestEvent): void {
  if (data.nesting !== 0 || !data.file) return;
  const file = path.relative(projectRoot, data.file);
  fileSeconds.set(file, (fileSeconds.get(file) ?? 0) + data.details.duration_ms / 1000);
}

/** Runs `files` with the spec reporter, `n` at a time; resolves whether every test passed. */
function runFiles(files: string[], n: number): Promise<boolean> {
  if (files.length === 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    let passed = true;
    const stream = run({ files, concurrency: n });
    stream.on('test:pass', tally);
    stream.on('test:fail', (data: TestEvent) => {
      passed = false;
      tally(data);
    });
    const out = stream.compose(new spec());
    out.pipe(process.stdout, { end: false });
    out.on('end', () => resolve(passed));
  });
}

const started = performance.now();
const n = concurrency();
const files = choose(process.argv.slice(2));
const weight = (f: string) => SECONDS[path.basename(f)] ?? 0;
const together = files.filter((f) => !ALONE.has(path.basename(f))).sort((a, b) => weight(b) - weight(a));
const alone = files.filter((f) => ALONE.has(path.basename(f)));
// unit tests start no database; the others copy the template (helpers/db.ts) into their own folders
if (files.some((f) => path.dirname(f) !== path.join(projectRoot, 'test', 'unit'))) {
  await prepareTemplate().catch((err: Error) =>
    console.log(`note: no template data folder (${err.message}); each test file initialises its own`),
  );
}
const reportsBefore = snapshotReports();
const togetherPassed = await runFiles(together, n);
const alonePassed = await runFiles(alone, 1);
// one check over every command every file ran: each was told --out a folder of its own
const changed = reportsChanges(reportsBefore, snapshotReports());
if (changed.length > 0) {
  restoreLinks(reportsBefore);
  console.log(`\n✖ the tests changed the user's reports/ or .env (links put back):\n  ${changed.join('\n  ')}`);
}
const table = [...fileSeconds].sort((x, y) => y[1] - x[1]);
const wall = (performance.now() - started) / 1000;
console.log(`\nseconds per file (its tests; ${n} files at a time, ${wall.toFixed(0)} s in all):`);
for (const [file, seconds] of table) console.log(`${seconds.toFixed(1).padStart(8)}  ${file}`);
process.exitCode = togetherPassed && alonePassed && changed.length === 0 ? 0 : 1;
