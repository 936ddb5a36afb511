/**
 * How far a phase's arrivals exceeded what the shop could serve, measured on the run itself: the machine's speed
 * drifts between a calibration and the phase it was meant for, so the phase's own saturated completions are the
 * capacity it met. A phase that turned no product list away was not saturated: its completions only say how many
 * came, and the capacity is the calibration's (or unknown where the rate was given).
 */
import type { RequestPoint } from './k6-points.ts';
import { round, sentAt } from './request-figures.ts';

const PRODUCT_LIST = 'product-list';
/** a phase that failed at least this share of its product lists was turning visitors away: saturated */
export const SATURATED_FAILED_SHARE = 0.05;

export interface PhaseOverload {
  /** product-list arrivals/s over capacity_rps */
  overload: number | null;
  /** product lists answered per second: the phase's own while saturated, else the calibration's */
  capacity_rps: number | null;
  capacity_from: 'phase' | 'calibration' | null;
  arrivals_rps: number;
}

/**
 * The phase is [fromMs, toMs): arrivals are the product lists sent in it, the saturated completions the ones
 * answered in it (a request sent before it but answered in it was served by the phase's capacity).
 */
export function phaseOverload(
  requests: readonly RequestPoint[],
  fromMs: number,
  toMs: number,
  calibrationRps: number | null,
): PhaseOverload {
  const seconds = (toMs - fromMs) / 1000;
  const lists = requests.filter((r) => r.name === PRODUCT_LIST);
  const sent = lists.filter((r) => sentAt(r) >= fromMs && sentAt(r) < toMs);
  const arrivals = seconds > 0 ? sent.length / seconds : 0;
  const failed = sent.length ? sent.filter((r) => r.failed).length / sent.length : 0;
  let capacity: number | null = null;
  let from: PhaseOverload['capacity_from'] = null;
  if (failed >= SATURATED_FAILED_SHARE && seconds > 0) {
    capacity = lists.filter((r) => !r.failed && r.ms >= fromMs && r.ms < toMs).length / seconds;
    from = 'phase';
  } else if (calibrationRps !== null && calibrationRps > 0) {
    capacity = calibrationRps;
    from = 'calibration';
  }
  return {
    overload: capacity !== null && capacity > 0 ? round(arrivals / capacity, 2) : null,
    capacity_rps: capacity === null ? null : round(capacity, 2),
    capacity_from: from,
    arrivals_rps: round(arrivals, 2),
  };
}
