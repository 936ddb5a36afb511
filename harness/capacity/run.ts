import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { reportsDir, projectRoot } from '../files/paths.ts';
import { backgroundPresetFor, presets, seriesSpec } from '../../datasets/presets.ts';
import type { Variant } from '../../shop/queries/product-list.ts';
import type { RunFolder } from '../files/run-folder.ts';
import { renderCapacityHtml, renderCapacityMarkdown, capacityVerdict } from './render.ts';
import type { CapacityResult, UslResult } from './types.ts';
import { inRunFrame, withDataset } from '../guard/run-frame.ts';
import { machineFacts } from '../db/machine.ts';
import { MAX_COARSE_STEPS, sweepPoint } from './point.ts';
import { SOLO_BUDGET_S } from './solo-probe.ts';
import { PLAN_BUDGET_S } from './memory-probe.ts';
import { auditCrossCheck, projectVariant } from './projection.ts';

export interface CapacityOptions {
  variants: Variant[];
  /** series sizes, ascending */
  dates: number[];
  sloMs: number;
  maxErrorRate: number;
  stepS: number;
  quick: boolean;
  seed: number;
  /** searches per point (the median and range are reported) */
  repeats: number;
  /** the first failing rate within this share above the capacity (0.05 = 5 %) */
  precision: number;
  out?: string;
  say: (line: string) => void;
}

/** enough bisections to narrow a bracket of 2x to the precision: log2(ln 2 / ln(1 + precision)) */
export function bisectionsFor(precision: number, quick: boolean): number {
  const needed = Math.ceil(Math.log2(Math.log(2) / Math.log(1 + precision)));
  return Math.max(1, Math.min(quick ? 3 : 6, needed));
}

const load1 = () => Math.round(os.loadavg()[0] * 100) / 100;

/**
 * For each series size and variant, the highest arrival rate whose product-list p95 stays under the SLO with
 * errors under the limit, searched `repeats` times; at the smallest size, the USL's closed loop; then per variant
 * the projection of capacity against dates. Writes capacity.json, capacity.md and capacity.html. A watchdog
 * stops it on a fault (disk below its floor, the database, a shop or a runner gone), leaving the folder
 * INCOMPLETE with the steps measured so far.
 */
export async function runCapacitySweep(o: CapacityOptions): Promise<{ result: CapacityResult; folder: RunFolder }> {
  const { variants, dates, seed, say } = o;
  const capacityDir = path.join(reportsDir, 'capacity');
  const bisections = bisectionsFor(o.precision, o.quick);
  const perSearch = (MAX_COARSE_STEPS + bisections) * (o.stepS + 4);
  const boundS =
    dates.length * variants.length * (3 + 2 + SOLO_BUDGET_S + PLAN_BUDGET_S + o.repeats * perSearch) +
    variants.length * 6 * 16;
  const result: CapacityResult = {
    schema: 'loadlab.capacity/v1',
    run_id: '',
    started_at: new Date().toISOString(),
    finished_at: '',
    slo: { product_list_p95_ms: o.sloMs, max_error_rate: o.maxErrorRate },
    step_duration_s: o.stepS,
    machine: null,
    points: [],
    repeats: o.repeats,
    precision: o.precision,
    load_average: [load1(), load1()],
  };
  // one background for every size, the largest size's, so the sizes differ in dates alone
  const background = backgroundPresetFor(Math.max(...dates));
  result.background = {
    preset: background,
    events: presets[background].backgroundEvents,
    organizers: presets[background].backgroundOrganizers,
  };
  const usl = new Map<Variant, UslResult | null>();
  const { folder } = await inRunFrame(
    {
      reportsDir: capacityDir,
      out: o.out,
      say,
      intro: (f) =>
        `capacity sweep: ${variants.join(', ')} x ${dates.join(', ')} dates (each with the ${background} preset's background), ${o.repeats} searches per point to +-${Math.round(o.precision * 100)} %, SLO product-list p95 < ${o.sloMs} ms and errors < ${o.maxErrorRate * 100} %, ${o.stepS} s steps; at most about ${Math.ceil(boundS / 60)} min of load plus seeding; run folder ${f.dir}`,
    },
    async (frame) => {
      result.run_id = frame.folder.runId;
      for (const count of dates)
        await withDataset(frame, seriesSpec(count, background), seed, async ({ db, result: seeded }) => {
          result.machine = machineFacts(db);
          for (const variant of variants) {
            const found = await sweepPoint({
              ...o,
              bisections,
              count,
              variant,
              firstDate: seeded.manifest.hot_subevent_first,
              dbUrl: db.url,
              postmasterPid: db.server?.pid,
              explainTempLimit: db.server?.soloTempFileLimit(),
              usl: count === dates[0],
              folder: frame.folder,
              watchdog: frame.watchdog,
              signal: frame.signal,
            });
            result.points.push(found.point);
            if (count === dates[0]) usl.set(variant, found.usl);
            frame.watchdog.record(
              `${variant} @ ${count} dates: capacity ${found.point.capacity_visitors_per_min} visitors/min (finished)`,
            );
          }
        });
      result.load_average![1] = load1();
      result.variants = variants.map((variant) => ({
        variant,
        projection: withCrossCheck(
          projectVariant(
            result.points.filter((p) => p.variant === variant),
            o.sloMs,
          ),
          variant,
        ),
        usl: usl.get(variant) ?? null,
      }));
      finish(result, frame.folder, capacityDir, say);
    },
  );
  return { result, folder };
}

export function withCrossCheck(
  p: ReturnType<typeof projectVariant>,
  variant: Variant,
): ReturnType<typeof projectVariant> {
  const file = path.join(projectRoot, 'loadtests', 'growth-baseline.json');
  if (!p || !existsSync(file)) return p;
  try {
    return { ...p, audit_cross_check: auditCrossCheck(JSON.parse(readFileSync(file, 'utf8')), variant) };
  } catch {
    return p;
  }
}

/** capacity.json, .md and .html, the steps' scratch files gone, then the folder complete */
function finish(result: CapacityResult, folder: RunFolder, capacityDir: string, say: (line: string) => void): void {
  result.finished_at = new Date().toISOString();
  folder.write('capacity.json', JSON.stringify(result, null, 2) + '\n');
  folder.write('capacity.md', renderCapacityMarkdown(result));
  folder.write('capacity.html', renderCapacityHtml(result));
  for (const f of readdirSync(folder.dir)) if (f.startsWith('.step-')) rmSync(folder.file(f), { force: true });
  folder.complete(capacityDir);
  say(capacityVerdict(result));
}
