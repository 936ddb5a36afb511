import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { UserError } from '../../common/user-error.ts';
import { renderReport } from '../report/write.ts';
import { readCapacityRun } from './capacity-file.ts';
import { projectVariant } from './projection.ts';
import { pointBottleneck } from './bottleneck.ts';
import { reviewPage } from './review.ts';
import { chooseTraffic, type Traffic } from './review-figures.ts';
import { runCapacitySweep, withCrossCheck, type CapacityOptions } from './run.ts';
import type { CapacityResult } from './types.ts';

/**
 * The limits and projections from the measured figures, as the sweep computes them (a run written by an earlier
 * version may lack them or hold an older judgement); the USL measured by the sweep is kept as written.
 */
export function withModels(r: CapacityResult): CapacityResult {
  const variants = [...new Set(r.points.map((p) => p.variant))];
  return {
    ...r,
    // the limit from the steps' figures by today's rules (a step without figures keeps what the file says)
    points: r.points.map((p) => (p.steps.some((s) => s.usage) ? { ...p, bottleneck: pointBottleneck(p.steps) } : p)),
    variants: variants.map((variant) => ({
      variant,
      // with the SLO, as the sweep does: without it the solo time (and the spill in it) never decides
      projection: withCrossCheck(
        projectVariant(
          r.points.filter((p) => p.variant === variant),
          r.slo.product_list_p95_ms,
        ),
        variant,
      ),
      usl: r.variants?.find((m) => m.variant === variant)?.usl ?? null,
    })),
  };
}

/** review.md and review.html beside capacity.json, both rendered before either is written. */
export function writeReview(dir: string, r: CapacityResult, traffic: number | undefined): { traffic: Traffic | null } {
  const full = withModels(r);
  const t = chooseTraffic(full, traffic);
  const { md, html } = renderReport(reviewPage(full, t));
  writeFileAtomic.sync(path.join(dir, 'review.md'), md);
  writeFileAtomic.sync(path.join(dir, 'review.html'), html);
  return { traffic: t };
}

/** The review of a finished run folder (--from), or of a sweep run now with the given options. */
export async function runReview(o: {
  from?: string;
  traffic?: number;
  sweep: () => CapacityOptions;
  say: (line: string) => void;
}): Promise<{ dir: string; traffic: Traffic | null; note: string }> {
  if (o.from !== undefined) {
    const dir = path.resolve(o.from);
    if (!existsSync(dir) || !statSync(dir).isDirectory())
      throw new UserError(
        `--from '${o.from}' is not a folder (accepted: a load:capacity run folder holding capacity.json)`,
      );
    if (existsSync(path.join(dir, 'INCOMPLETE')))
      throw new UserError(
        `--from '${o.from}' is an unfinished run (INCOMPLETE): its figures are partial; run the sweep again`,
      );
    const r = readCapacityRun(dir);
    return { dir, note: '', ...writeReview(dir, r, o.traffic) };
  }
  const { result, folder } = await runCapacitySweep(o.sweep());
  const { traffic } = writeReview(folder.dir, result, o.traffic);
  return { dir: folder.dir, traffic, note: folder.latestNote };
}
