import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import type { DatasetSpec } from '../../datasets/presets.ts';
import type { Variant } from '../../shop/queries/product-list.ts';
import { openDataset, type OpenedDataset } from '../db/dataset.ts';
import { startShopProcess } from '../process/shop-process.ts';
import { junitXml } from '../files/junit.ts';
import { markerFolder } from '../files/run-folder.ts';
import { Watchdog } from '../guard/watchdog.ts';
import type { AllowList } from './allow-list.ts';
import { prepareCapture, type MeasuredStatement } from './capture.ts';
import { requireStatStatements } from './statements.ts';
import { baselineMismatch, baselineOf, goneStatements, writeBaseline, type BaselineSource } from './baseline.ts';
import { growthStatements } from './growth.ts';
import { GROWTH_SCHEMA, type GrowthReport, type GrowthThresholds } from './report-types.ts';
import { playSample, type SamplePlayed } from './play.ts';
import { junitCases, renderGrowthMd } from './render.ts';

/** The application under audit, started against the URL the audit hands it (it carries auto_explain's settings). */
export interface AuditedApp {
  url: string;
  stop(): Promise<void>;
  /** settles with how it ended if it ends without stop(): the watchdog stops the audit then */
  unexpectedEnd?: Promise<string>;
}
export type AppStarter = (variant: Variant, databaseUrl: string) => Promise<AuditedApp>;

/** the reference shop, as its own process */
export const startShopApp: AppStarter = async (variant, databaseUrl) => {
  const shop = await startShopProcess(variant, databaseUrl);
  return { url: shop.ready, stop: shop.stop, unexpectedEnd: shop.unexpectedEnd };
};

export interface AuditOptions {
  variant: Variant;
  /** two or more, fewest dates first */
  sizes: DatasetSpec[];
  seed: number;
  visitors: number;
  allow: AllowList;
  thresholds: GrowthThresholds;
  /** the baseline to compare with (none by default) */
  baseline?: BaselineSource;
  /** write the baseline file afresh from this audit (`--update-baseline`) */
  updateBaseline?: boolean;
  outDir: string;
  /** the shop by default; tests start one with a planted statement */
  startApp?: AppStarter;
  /** the embedded server's data folder (tests); default as every command */
  dataDir?: string;
  /** progress lines (quiet in CI) */
  log: (line: string) => void;
  /** one-line notes every user must see (the fallback without plans) */
  warn: (line: string) => void;
}

interface SizeResult {
  statements: MeasuredStatement[];
  played: SamplePlayed;
  mode: 'plans' | 'statements';
  note: string | null;
}

async function auditSize(o: AuditOptions, ds: OpenedDataset, watchdog: Watchdog): Promise<SizeResult> {
  const capture = await prepareCapture(ds.db);
  try {
    const app = await (o.startApp ?? startShopApp)(o.variant, capture.appUrl);
    if (app.unexpectedEnd) watchdog.watchProcess('shop', `the shop (${o.variant}, ${ds.spec.name})`, app.unexpectedEnd);
    try {
      await capture.begin();
      const played = await playSample({
        baseUrl: app.url,
        visitors: o.visitors,
        firstDate: ds.result.manifest.hot_subevent_first,
        dates: ds.spec.dates,
        seed: o.seed,
        pointsFile: path.join(o.outDir, `k6-points-${ds.spec.name}.json`),
        signal: watchdog.signal,
      });
      const m = await capture.end();
      if (m.unmatched_plans > 0)
        o.warn(
          `note: ${m.unmatched_plans} plans of ${ds.spec.name} matched no pg_stat_statements entry (raise pg_stat_statements.max?)`,
        );
      return { statements: m.statements, played, mode: capture.mode, note: capture.note };
    } finally {
      await app.stop();
    }
  } finally {
    await capture.close();
  }
}

/**
 * The growth audit: at each size, seed the dataset, start the application, play the same visitors,
 * and measure every statement the database ran; then each statement's growth with the number of dates.
 * Writes growth.json, growth.md and junit.xml into outDir and returns the report.
 */
export async function runAudit(o: AuditOptions): Promise<GrowthReport> {
  // watched as every long command is: a disk below its floor, or the database or the shop gone, stops the
  // audit with one line and leaves an INCOMPLETE marker instead of a verdict on half the journey
  const watchdog = new Watchdog(o.log);
  watchdog.watchRunDisks(o.outDir);
  const folder = markerFolder(
    o.outDir,
    (reason) => `this audit did not finish (${reason}): growth.json, if any, is an earlier audit's`,
  );
  const results = await watchdog.run(folder, (signal) => auditSizes(o, watchdog, signal));
  return writeReport(o, results);
}

async function auditSizes(o: AuditOptions, watchdog: Watchdog, signal: AbortSignal): Promise<SizeResult[]> {
  const opened: { ds: OpenedDataset; unwatch: () => void }[] = [];
  const results: SizeResult[] = [];
  try {
    for (const spec of o.sizes) {
      o.log(`${spec.name}: seeding ${spec.dates.toLocaleString('en-US')} dates`);
      // a fresh seed in databases of the audit's own: carts and orders left by earlier runs (more of them at
      // one size than another) would otherwise change what the cart statements read, and look like growth
      const database = `loadlab_audit_${spec.name.replace(/-/g, '_')}`;
      const ds = await openDataset({
        preset: spec,
        seed: o.seed,
        dataDir: o.dataDir,
        database,
        fresh: true,
        log: o.log,
        check: requireStatStatements,
        signal,
      });
      opened.push({ ds, unwatch: watchdog.watchDatabase(ds.db) });
      o.log(`${spec.name}: playing ${o.visitors} visitors against the ${o.variant} shop`);
      const r = await auditSize(o, ds, watchdog);
      if (results.length === 0 && r.note)
        o.warn(`note: ${r.note}; work per call falls back to pg_stat_statements' blocks and temp blocks`);
      o.log(
        `${spec.name}: ${r.statements.length} statements, ${Object.values(r.played.routes).reduce((s, x) => s + x.requests, 0)} requests`,
      );
      results.push(r);
      watchdog.record(`${spec.name}: ${r.statements.length} statements measured`);
    }
  } finally {
    for (const { ds, unwatch } of opened.reverse()) {
      unwatch();
      await ds.db.close();
    }
  }
  return results;
}

function writeReport(o: AuditOptions, results: SizeResult[]): GrowthReport {
  const sizes = o.sizes.map((s) => ({ name: s.name, dates: s.dates }));
  const measure = results.every((r) => r.mode === 'plans') ? 'plans' : 'statements';
  const source = o.baseline ?? null;
  const mismatch = source?.data
    ? baselineMismatch(source.data, { variant: o.variant, sizes, seed: o.seed, visitors: o.visitors, measure })
    : null;
  const baseline = source?.data && !mismatch ? source.data : null;
  const statements = growthStatements({
    sizes,
    measured: results.map((r) => r.statements),
    visitors: o.visitors,
    allow: o.allow,
    thresholds: o.thresholds,
    baseline,
  });
  const seen = new Set(statements.map((s) => s.fingerprint));
  const t = o.thresholds;
  const report: GrowthReport = {
    schema: GROWTH_SCHEMA,
    variant: o.variant,
    sizes,
    seed: o.seed,
    visitors: o.visitors,
    measure,
    note: results.find((r) => r.note)?.note ?? null,
    thresholds: {
      max_exponent: t.maxExponent,
      min_work_increase: t.minWorkIncrease,
      max_regression: t.maxRegression,
      min_new_work: t.minNewWork,
    },
    journey: results.map((r) => r.played),
    statements,
    unused_allow: [...o.allow.keys()].filter((f) => !seen.has(f)),
    baseline: source && {
      file: source.file,
      compared: baseline !== null,
      note: source.data ? mismatch : 'no baseline file yet (write one with --update-baseline)',
      updated: o.updateBaseline ?? false,
    },
    gone: goneStatements(baseline, seen),
  };
  if (source && o.updateBaseline) writeBaseline(source.file, baselineOf(report));
  writeFileAtomic.sync(path.join(o.outDir, 'growth.json'), JSON.stringify(report, null, 2) + '\n');
  writeFileAtomic.sync(path.join(o.outDir, 'growth.md'), renderGrowthMd(report));
  writeFileAtomic.sync(path.join(o.outDir, 'junit.xml'), junitXml('loadlab.growth', junitCases(report)));
  return report;
}
