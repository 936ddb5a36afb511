import { startShopProcess } from '../process/shop-process.ts';
import { incidentEnv, INCIDENT_SCRIPT } from '../load/incident-script.ts';
import {
  startSampler,
  resetStatistics,
  readSamples,
  phaseDeltas,
  queryTexts,
  type PhaseDelta,
  type RatePoint,
  type SampleSummary,
} from '../stats/index.ts';
import { diagnose, type VariantDiagnosis } from '../stats/statement-diagnosis.ts';
import { loadSeries, phaseStats } from './figures.ts';
import { watchDiagnosis } from '../stats/live/watch.ts';
import { playLoad, type LoadStepResult } from '../load/load-step.ts';
import { UserError } from '../../common/user-error.ts';
import type { DbSeriesPoint, DbStats, LoadSeriesPoint, PhaseName, VariantName, VariantResult } from './types.ts';
import type { RunFolder } from '../files/run-folder.ts';
import { explainProductList } from '../../shop/explain.ts';
import { cancelRunningQueries } from '../db/cancel.ts';
import type { Watchdog } from '../guard/watchdog.ts';

export interface PhasePlan {
  name: PhaseName;
  duration_s: number;
}

export interface VariantPlan {
  variant: VariantName;
  preset: string;
  seed: number;
  dbUrl: string;
  postmasterPid?: number;
  /** temp_file_limit for the EXPLAIN, which runs alone after the load (see EmbeddedServer.soloTempFileLimit) */
  explainTempLimit?: () => string | undefined;
  firstDate: number;
  dates: number;
  rate: number;
  multiplier: number;
  /** product lists/s the calibration measured (null: the rate was given): a phase that never saturated is judged by it */
  calibrationRps: number | null;
  /** the shop's database connections (default DEFAULT_POOL_SIZE) */
  poolSize?: number;
  phases: PhasePlan[];
  thinkScale: number;
  bucketS: number;
  folder: RunFolder;
  log: (line: string) => void;
  watchdog: Watchdog;
  /** aborted on a fault: the load stops and the variant ends with the figures it has */
  signal: AbortSignal;
}

export interface VariantOutcome {
  result: VariantResult;
  diagnosis: VariantDiagnosis;
  series: {
    load: LoadSeriesPoint[];
    db: DbSeriesPoint[];
    phases: { name: PhaseName; start_s: number; end_s: number }[];
  };
}

function dbStats(d: PhaseDelta | undefined): DbStats {
  const q = d?.product_list_query;
  return {
    product_list_query: q
      ? {
          calls: q.calls,
          mean_ms: q.mean_ms ?? 0,
          shared_blks_hit: q.shared_blks_hit,
          shared_blks_read: q.shared_blks_read,
          temp_blks_written: q.temp_blks_written,
        }
      : null,
    temp_bytes: d?.temp_bytes ?? null,
    blks_read: d?.blks_read ?? null,
    blks_hit: d?.blks_hit ?? null,
    os_read_bytes: d?.os_read_bytes ?? null,
    os_write_bytes: d?.os_write_bytes ?? null,
  };
}

function dbSeries(points: RatePoint[], startMs: number): DbSeriesPoint[] {
  return points.map(({ t_ms, ...rates }) => ({ t_s: Math.round((t_ms - startMs) / 100) / 10, ...rates }));
}

async function warmUp(base: string, firstDate: number, signal: AbortSignal): Promise<void> {
  await (await fetch(`${base}/`, { signal })).arrayBuffer();
  for (let i = 0; i < 3; i++) await (await fetch(`${base}/${firstDate + i * 37}/`, { signal })).arrayBuffer();
}

/** fresh shop, statistics reset, warm-up, sampler on, load, sampler off, EXPLAIN, shop off */
export async function runVariant(plan: VariantPlan): Promise<VariantOutcome> {
  const { variant, folder, log, signal } = plan;
  const shop = await startShopProcess(variant, plan.dbUrl, { poolSize: plan.poolSize });
  plan.watchdog.watchProcess('shop', `the shop (${variant})`, shop.unexpectedEnd);
  try {
    await resetStatistics(plan.dbUrl);
    log(`${variant}: shop on ${shop.ready}, warming up`);
    await warmUp(`${shop.ready}/citymuseum/timeslots`, plan.firstDate, signal);

    const samplesFile = folder.file(`db-samples-${variant}.ndjson`);
    const sampler = await startSampler({
      url: plan.dbUrl,
      outFile: samplesFile,
      intervalMs: 1000,
      postmasterPid: plan.postmasterPid,
    });
    // every request's points, kept (compressed) for whoever wants to dig deeper than the report
    const pointsFile = folder.file(`k6-points-${variant}.json.gz`);
    const duration = (name: PhaseName) => plan.phases.find((p) => p.name === name)?.duration_s;
    const env = incidentEnv({
      baseUrl: shop.ready,
      rate: plan.rate,
      multiplier: plan.multiplier,
      seed: plan.seed,
      firstDate: plan.firstDate,
      dates: plan.dates,
      thinkScale: plan.thinkScale,
      runId: `${Date.now().toString(36)}-${variant}`,
      phases: { baseline: duration('baseline'), ramp: duration('ramp'), tripled: duration('tripled')! },
    });
    const total = plan.phases.reduce((s, p) => s + p.duration_s, 0);
    log(
      `${variant}: ${plan.phases.map((p) => `${p.name} ${p.duration_s} s`).join(', ')} (${total} s) at ${plan.rate} visitors/min, x${plan.multiplier}`,
    );
    // the live diagnosis beside the replay, as an operator would run it: its lines in diagnose-<variant>/
    const watch = await watchDiagnosis({
      urls: [plan.dbUrl],
      windowS: plan.bucketS === 1 ? 6 : 60,
      out: folder.file(`diagnose-${variant}`),
      onNote: (line) => log(`${variant}: diagnose: ${line}`),
    });
    let samplerSummary: Awaited<ReturnType<typeof sampler.stop>>;
    let load: Awaited<ReturnType<typeof playLoad>>;
    try {
      load = await playLoad({
        script: INCIDENT_SCRIPT,
        env,
        label: variant,
        during: `variant ${variant}`,
        summaryFile: folder.file(`k6-summary-${variant}.json`),
        pointsFile,
        signal,
        watchdog: plan.watchdog,
        dbSamples: `db-samples-${variant}.ndjson`,
      });
    } finally {
      samplerSummary = await sampler.stop();
      await watch.stop();
    }
    const measured = await measure(plan, load, samplesFile, samplerSummary);
    const explain = await explainAlone(plan, shop);
    return { ...measured, result: { ...measured.result, explain } };
  } finally {
    await shop.stop();
  }
}

/** The run's request points and DB samples as the variant's figures, diagnosis and chart series. */
async function measure(
  plan: VariantPlan,
  load: LoadStepResult<unknown>,
  samplesFile: string,
  samplerSummary: SampleSummary,
): Promise<Omit<VariantOutcome, 'result'> & { result: Omit<VariantResult, 'explain'> }> {
  const { variant } = plan;
  const exitCode = load.code;
  const points = load.points!;
  if (points.requests.length === 0) throw new UserError(`the load run of variant ${variant} recorded no request`);
  const startMs = points.requests.reduce((start, r) => Math.min(start, r.ms - r.duration), Infinity);
  let offset = 0;
  const phaseWindows = plan.phases.map((p) => {
    const w = { name: p.name, start_s: offset, end_s: offset + p.duration_s };
    offset += p.duration_s;
    return w;
  });
  const phases: Partial<Record<PhaseName, ReturnType<typeof phaseStats>>> = {};
  phaseWindows.forEach((w, i) => {
    phases[w.name] = phaseStats(points, startMs, w, i === phaseWindows.length - 1, plan.calibrationRps);
  });

  const samples = await readSamples(samplesFile);
  const windows = phaseWindows.map((w) => ({
    name: w.name,
    startMs: startMs + w.start_s * 1000,
    endMs: startMs + w.end_s * 1000,
  }));
  const deltas = phaseDeltas(
    samples,
    [...windows, { name: 'all', startMs, endMs: samplerSummary.last_ts_ms ?? startMs + offset * 1000 }],
    { variant },
  );
  const db_phases: VariantResult['db_phases'] = {};
  for (const w of phaseWindows) {
    const d = deltas.find((x) => x.name === w.name);
    db_phases[w.name] = { ...dbStats(d), cpu_ms: d?.cpu_ms ?? null, temp_files: d?.temp_files ?? null };
  }
  const all = deltas.find((x) => x.name === 'all');
  const diagnosis = diagnose(
    deltas
      .filter((d) => d.name !== 'all')
      .map((d) => ({ ...d, duration_ms: d.from_ms === null || d.to_ms === null ? null : d.to_ms - d.from_ms })),
    queryTexts(samples),
  );

  return {
    result: {
      phases: phases as VariantResult['phases'],
      db: dbStats(all),
      db_phases,
      runner_exit_code: exitCode,
      thresholds: load.thresholds!,
    },
    diagnosis,
    series: {
      load: loadSeries(points, startMs, plan.bucketS, phaseWindows),
      db: dbSeries(all?.series ?? [], startMs),
      phases: phaseWindows,
    },
  };
}

/**
 * The EXPLAIN measures the query alone: the shop goes first, and the queries it abandoned when its visitors timed
 * out (PostgreSQL notices a gone client only when it answers) are cancelled.
 */
async function explainAlone(plan: VariantPlan, shop: { stop(): Promise<void> }): Promise<VariantResult['explain']> {
  const { variant, folder } = plan;
  await shop.stop();
  await cancelRunningQueries(plan.dbUrl, { marker: 'loadlab:product-list', waitMs: 5000 });
  const middle = plan.firstDate + Math.floor(plan.dates / 2);
  const explain = await explainProductList(plan.dbUrl, variant, middle, {
    planFile: folder.file(`explain-${variant}.plan.json`),
    tempFileLimit: plan.explainTempLimit?.(),
  });
  folder.write(
    `explain-${variant}.json`,
    JSON.stringify(
      {
        variant,
        preset: plan.preset,
        dates: plan.dates,
        subevent_id: middle,
        execution_ms: explain.execution_ms,
        buffers_touched: explain.buffers_touched,
        temp_blocks_written: explain.temp_blocks_written,
        plan: explain.plan,
      },
      null,
      2,
    ) + '\n',
  );

  return {
    execution_ms: explain.execution_ms,
    buffers_touched: explain.buffers_touched,
    temp_blocks_written: explain.temp_blocks_written,
  };
}
