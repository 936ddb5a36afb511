/**
 * The post-mortem's shape at three times the visitors, and whether a run reproduced it: about 30 % of page loads
 * failed and the average response time passed 10 s (the load balancer gave up at 10 s). A replay that shows less
 * tells its reader the old query was fine; one that shows far more is a different outage. Every mode that plays
 * the tripled visitors judges them by this one rule.
 */
import { fmtPct } from '../cli/format.ts';

/** The band a tripled phase must land in (of all page loads), and what the fix may fail at the same visitors. */
export const SHAPE_BAND = { minFailed: 0.2, maxFailed: 0.45, minMeanMs: 8000, maxFixFailed: 0.01 } as const;

export interface TripledFigures {
  /** failed share of all page loads in the phase (null: no request) */
  failed: number | null;
  /** mean of all page loads, failures at their timeout included */
  mean_ms: number | null;
  /** arrivals over the capacity the run observed (null: unknown) */
  overload: number | null;
}

export interface ShapeVerdict {
  reproduced: boolean;
  reason: string;
}

const x = (n: number | null) => (n === null ? 'overload unknown' : `overload ${n.toFixed(2)}x`);
const s = (msValue: number | null) => (msValue === null ? 'n/a' : `${(msValue / 1000).toFixed(1)} s`);
const pct = (n: number | null) => fmtPct(n) ?? 'n/a';

/** The band in words, for a report's reader: "20-45 % of page loads failed, mean past 8.0 s, the fix under 1 %". */
export function shapeBandText(): string {
  const b = SHAPE_BAND;
  return `${Math.round(b.minFailed * 100)}-${Math.round(b.maxFailed * 100)} % of page loads failed with a mean past ${s(b.minMeanMs)}, the fix under ${pct(b.maxFixFailed)}`;
}

/** The figures in the order the reason gives them: "overload 2.31x, 34 % failed, mean 8.6 s". */
export function shapeFigures(f: TripledFigures): string {
  return `${x(f.overload)}, ${pct(f.failed)} failed, mean ${s(f.mean_ms)}`;
}

/**
 * Judges the old query's tripled phase (and, where it ran, the fix's at the same visitors). The reason names what
 * missed, so a reader knows whether to rerun (the machine served the load) or to doubt the replay.
 */
export function judgeShape(before: TripledFigures, fixFailed?: number | null): ShapeVerdict {
  const figures = shapeFigures(before);
  const failed = before.failed ?? 0;
  const mean = before.mean_ms ?? 0;
  const misses: string[] = [];
  // "served" only where the run says so: an overload under 1x, or (unknown) nothing near the band at all; an
  // overload of 1.3x that failed too few pages was too weak, not served
  const served = before.overload !== null ? before.overload < 1 : mean < SHAPE_BAND.minMeanMs;
  if (failed < SHAPE_BAND.minFailed && served)
    return {
      reproduced: false,
      reason: `not reproduced: the machine served the tripled load, ${figures}; rerun, or pass --baseline-rate`,
    };
  if (failed < SHAPE_BAND.minFailed) misses.push(`too few page loads failed (under ${pct(SHAPE_BAND.minFailed)})`);
  if (failed > SHAPE_BAND.maxFailed) misses.push(`too many page loads failed (over ${pct(SHAPE_BAND.maxFailed)})`);
  if (mean <= SHAPE_BAND.minMeanMs) misses.push(`the mean stayed under ${s(SHAPE_BAND.minMeanMs)}`);
  if (fixFailed !== undefined && fixFailed !== null && fixFailed >= SHAPE_BAND.maxFixFailed)
    misses.push(`the fix also failed ${pct(fixFailed)} at the same visitors`);
  const advice = failed < SHAPE_BAND.minFailed ? '; rerun, or pass a higher --baseline-rate' : '';
  if (misses.length) return { reproduced: false, reason: `not reproduced: ${misses.join(', ')}; ${figures}${advice}` };
  return { reproduced: true, reason: figures };
}
