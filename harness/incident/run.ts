import { fmtPct, isNum } from '../cli/format.ts';
import { reportsDir } from '../files/paths.ts';
import type { OpenedDataset } from '../db/dataset.ts';
import type { RunFolder } from '../files/run-folder.ts';
import { machineFacts } from '../db/machine.ts';
import { baselineRate } from '../load/calibrate.ts';
import { judgeShape } from '../load/collapse-shape.ts';
import { DEFAULT_POOL_SIZE } from '../../shop/db.ts';
import { REQUEST_TIMEOUT_S } from '../load/incident-script.ts';
import { writeReport } from './report/render.ts';
import type { DatasetSpec } from '../../datasets/presets.ts';
import { runVariant, type PhasePlan } from './run-variant.ts';
import { inRunFrame, withDataset, type RunFrame } from '../guard/run-frame.ts';
import type { IncidentSummary, ReportInput, VariantName } from './types.ts';

export interface IncidentOptions {
  spec: DatasetSpec;
  variants: VariantName[];
  seed: number;
  /** visitors per minute; calibrated on `before` when absent */
  baselineRate?: number;
  multiplier: number;
  /** the shop's database connections (default DEFAULT_POOL_SIZE, one per core) */
  poolSize?: number;
  quick: boolean;
  out?: string;
  /** one line for the person running it */
  say: (line: string) => void;
}

export function incidentPhases(quick: boolean): PhasePlan[] {
  return quick
    ? [
        { name: 'baseline', duration_s: 12 },
        { name: 'ramp', duration_s: 4 },
        { name: 'tripled', duration_s: 12 },
      ]
    : [
        { name: 'baseline', duration_s: 120 },
        { name: 'ramp', duration_s: 30 },
        { name: 'tripled', duration_s: 120 },
      ];
}

/**
 * The main job: seed or reuse, calibrate the baseline on `before`, replay baseline -> ramp -> tripled visitors
 * against each variant with DB I/O sampled, then write the run folder and its report. A watchdog stops it on a
 * fault (disk below its floor, the database, the shop or the runner gone), leaving the folder INCOMPLETE.
 */
export async function runIncident(o: IncidentOptions): Promise<{ summary: IncidentSummary; folder: RunFolder }> {
  const { spec, variants, seed } = o;
  const phases = incidentPhases(o.quick);
  const started = new Date();
  const { result: summary, folder } = await inRunFrame(
    {
      reportsDir,
      out: o.out,
      say: o.say,
      intro: (f) =>
        `loadlab incident replay: preset ${spec.name} (${spec.dates} dates), variants ${variants.join(', ')}, run folder ${f.dir}`,
    },
    (frame) => withDataset(frame, spec, seed, (ds) => replay(o, frame, ds, phases, started)),
  );
  return { summary, folder };
}

/** calibrate, then each variant's replay, then the run folder's files */
async function replay(
  o: IncidentOptions,
  { folder, watchdog, signal }: RunFrame,
  { db, result }: Pick<OpenedDataset, 'db' | 'result'>,
  phases: PhasePlan[],
  started: Date,
): Promise<IncidentSummary> {
  const { spec, variants, seed, multiplier, quick, say } = o;
  const m = result.manifest;
  const { baselineVisitorsPerMin: rate, calibration } = await baselineRate({
    dbUrl: db.url,
    firstDate: m.hot_subevent_first,
    dates: m.dates,
    quick,
    given: o.baselineRate,
    say,
    watchdog,
    signal,
    poolSize: o.poolSize,
  });
  say(`baseline ${rate} visitors/min, tripled ${Math.round(rate * multiplier * 10) / 10} (${calibration.formula})`);

  const summary: IncidentSummary = {
    schema: 'loadlab.incident/v1',
    run_id: folder.runId,
    preset: spec.name,
    dates: spec.dates,
    seed,
    started_at: started.toISOString(),
    finished_at: '',
    machine: machineFacts(db),
    traffic: {
      baseline_visitors_per_min: rate,
      multiplier,
      calibration,
      phases: phases.map((p) => ({ name: p.name, duration_s: p.duration_s })),
      request_timeout_s: REQUEST_TIMEOUT_S,
      shop_pool_size: o.poolSize ?? DEFAULT_POOL_SIZE,
    },
    variants: {},
    comparison: { tripled_p95_ratio: null, baseline_p95_ratio: null },
  };
  const series: ReportInput['series'] = {};
  for (const variant of variants) {
    const outcome = await runVariant({
      variant,
      preset: spec.name,
      seed,
      dbUrl: db.url,
      postmasterPid: db.server?.pid,
      explainTempLimit: () => db.server?.soloTempFileLimit(),
      firstDate: m.hot_subevent_first,
      dates: m.dates,
      rate,
      multiplier,
      calibrationRps: calibration.product_list_capacity_rps,
      poolSize: o.poolSize,
      phases,
      thinkScale: quick ? 0.25 : 1,
      bucketS: quick ? 1 : 5,
      folder,
      log: say,
      watchdog,
      signal,
    });
    summary.variants[variant] = outcome.result;
    (summary.diagnosis ??= {})[variant] = outcome.diagnosis;
    series[variant] = outcome.series;
    const pl = (ph: 'baseline' | 'tripled') => outcome.result.phases[ph].endpoints['product-list'];
    const line = `${variant}: product-list p95 ${pl('baseline')?.p95_ms ?? 'n/a'} ms at baseline, ${pl('tripled')?.p95_ms ?? 'n/a'} ms tripled; errors ${fmtPct(outcome.result.phases.tripled.error_rate) ?? 'n/a'} tripled`;
    say(line);
    watchdog.record(`${line} (finished)`);
  }
  summary.comparison = {
    tripled_p95_ratio: p95Ratio(summary, 'tripled'),
    baseline_p95_ratio: p95Ratio(summary, 'baseline'),
    ...shapeOf(summary),
  };
  summary.finished_at = new Date().toISOString();

  await folder.finish(reportsDir, summary, series, () => writeReport(folder.dir, { summary, series }));
  return summary;
}

/** whether before's tripled phase showed the post-mortem's shape, with the fix's failures at the same visitors */
function shapeOf(s: IncidentSummary): Pick<IncidentSummary['comparison'], 'shape_reproduced' | 'shape_reason'> {
  const t = s.variants.before?.phases.tripled;
  if (!t) return { shape_reproduced: null, shape_reason: 'the old query (before) was not run' };
  const v = judgeShape(
    { failed: t.error_rate, mean_ms: t.mean_ms ?? null, overload: t.overload ?? null },
    s.variants.after?.phases.tripled.error_rate,
  );
  return { shape_reproduced: v.reproduced, shape_reason: v.reason };
}

/** before / after, product-list p95 of one phase */
function p95Ratio(s: IncidentSummary, phase: 'baseline' | 'tripled'): number | null {
  const b = s.variants.before?.phases[phase].endpoints['product-list']?.p95_ms;
  const a = s.variants.after?.phases[phase].endpoints['product-list']?.p95_ms;
  return isNum(b) && isNum(a) && a > 0 ? Math.round((b / a) * 100) / 100 : null;
}
