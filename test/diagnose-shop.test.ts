// diagnose beside the shop, through watchDiagnosis() as a mode runs it: the old product list of one tenant
// (citymuseum/timeslots, 3,000 dates: on tiny the shop's own process, not the database, is the bottleneck) hammered among calendar views of other organizers' shops. It must name the product-list
// statement by its tag and that tenant, never another statement, and write its files into the run folder.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { ownDataDir, testDataset } from './helpers/db.ts';
import { startShop, type RunningShop } from '../shop/server.ts';
import { watchDiagnosis, type WatchSummary } from '../harness/stats/live/watch.ts';
import type { DiagnoseLine } from '../harness/stats/live/types.ts';

let ds: Awaited<ReturnType<typeof testDataset>>;
let shop: RunningShop;
const dir = mkdtempSync(path.join(os.tmpdir(), 'loadlab-diagnose-shop-'));
let hotDates: number[];
let others: string[];

before(async () => {
  ds = await testDataset(ownDataDir(import.meta.url), 'small');
  // four connections, so the statements running can pass the stress threshold (1 on average) even when other test
  // files share the two cores: with the default two, the shop's own CPU kept the average at 0.86 in a fresh clone
  shop = await startShop({ databaseUrl: ds.db.url, variant: 'before', poolSize: 4 });
  const db = new pg.Client(ds.db.url);
  await db.connect();
  try {
    hotDates = (
      await db.query<{ id: number }>('SELECT id FROM pretixbase_subevent WHERE event_id = 1 ORDER BY id LIMIT 50')
    ).rows.map((r) => r.id);
    others = (
      await db.query<{ path: string }>(
        `SELECT o.slug || '/' || e.slug AS path FROM pretixbase_event e JOIN pretixbase_organizer o ON o.id = e.organizer_id
          WHERE o.slug <> 'citymuseum' AND e.live ORDER BY e.id LIMIT 6`,
      )
    ).rows.map((r) => r.path);
  } finally {
    await db.end();
  }
});
after(async () => {
  await shop?.close();
  await ds?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** one visitor after another until the deadline, bounded in count too */
async function visitor(urls: (i: number) => string, until: () => boolean, pauseMs: number): Promise<void> {
  for (let i = 0; i < 20_000 && !until(); i++) {
    const res = await fetch(urls(i));
    await res.arrayBuffer();
    if (pauseMs) await new Promise((r) => setTimeout(r, pauseMs));
  }
}

test('names loadlab:product-list:before and citymuseum/timeslots, nothing else', { timeout: 120_000 }, async () => {
  const lines: DiagnoseLine[] = [];
  let named: ((l: DiagnoseLine) => void) | undefined;
  const firstCause = new Promise<DiagnoseLine>((resolve) => {
    named = resolve;
  });
  const out = path.join(dir, 'run');
  const watch = await watchDiagnosis({
    urls: [ds.db.url],
    out,
    onLine: (l) => {
      lines.push(l);
      if (l.servers[0]?.cause) named?.(l);
    },
  });
  const start = Date.now();
  let stop = false;
  const until = () => stop || Date.now() - start > 70_000;
  const load = [
    ...[0, 1, 2, 3, 4, 5, 6, 7].map((k) =>
      visitor((i) => `${shop.url}/citymuseum/timeslots/${hotDates[(i * 8 + k) % hotDates.length]}/`, until, 0),
    ),
    ...[0, 1].map((k) => visitor((i) => `${shop.url}/${others[(i + k) % others.length]}/`, until, 20)),
  ];
  let line: DiagnoseLine;
  let summary: WatchSummary | undefined;
  try {
    let timer: NodeJS.Timeout | undefined;
    line = await Promise.race([
      firstCause,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no cause named within 60 s: ${JSON.stringify(lines.at(-1))}`)),
          60_000,
        );
      }),
    ]).finally(() => clearTimeout(timer));
    const after = lines.length;
    await new Promise<void>((resolve) => {
      const t = setInterval(() => {
        if (lines.length < after + 5) return;
        clearInterval(t);
        resolve();
      }, 100);
    });
  } finally {
    stop = true;
    await Promise.all(load);
    summary = await watch.stop();
  }
  const cause = line.servers[0].cause!;
  assert.equal(cause.label, 'loadlab:product-list:before', JSON.stringify(cause));
  assert.deepEqual(cause.tenants[0].tags, { event: 'timeslots', organizer: 'citymuseum' });
  assert.ok(cause.tenants[0].share >= 0.75, JSON.stringify(cause.tenants));
  for (const l of lines) {
    const fp = l.servers[0].cause?.fingerprint;
    if (fp) assert.equal(fp, cause.fingerprint, JSON.stringify(l.servers[0].cause));
  }
  assert.equal(watch.journal.firstCause(line.servers[0].name)?.at, line.at);
  const md = readFileSync(path.join(out, 'diagnosis.md'), 'utf8');
  assert.match(md, /loadlab:product-list:before \(event=timeslots,organizer=citymuseum \d+ %\) at /);
  // its own cost, under this load: the server's time in diagnose's statements stays under 1 %
  const cost = summary.costs[0];
  assert.ok(cost.exec_ms !== null && cost.exec_ms / summary.elapsed_ms < 0.01, JSON.stringify(summary));
  process.stderr.write(
    `# own cost: statements ${((100 * cost.exec_ms) / summary.elapsed_ms).toFixed(3)} %, backend CPU ${cost.backend_cpu_ms === null ? '-' : ((100 * cost.backend_cpu_ms) / summary.elapsed_ms).toFixed(2)} % of ${(summary.elapsed_ms / 1000).toFixed(0)} s\n`,
  );
  process.stderr.write(
    `# cause named ${((Date.parse(line.at) - start) / 1000).toFixed(1)} s after the load began: ${line.servers[0].next_step}\n`,
  );
});
