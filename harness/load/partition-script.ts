/**
 * What the harness tells loadtests/partition.ts through __ENV (k6's -e): the one place that builds it. The
 * script keeps its own defaults so it runs alone on k6.
 */
import { REQUEST_TIMEOUT_S, SLO } from './incident-script.ts';

export const PARTITION_SCRIPT = 'loadtests/partition.ts';

export interface PartitionTraffic {
  baseUrl: string;
  /** visitors per minute, steady for the whole replay */
  rate: number;
  durationS: number;
  thinkScale: number;
  firstDate: number;
  dates: number;
  seed: number;
  /** keeps carts apart from those of earlier runs; the no-loss check finds this run's carts by it */
  runId: string;
}

export function partitionEnv(t: PartitionTraffic): Record<string, string | number> {
  return {
    BASE_URL: t.baseUrl,
    RATE: t.rate,
    MULTIPLIER: 1,
    DURATION_S: t.durationS,
    THINK_SCALE: t.thinkScale,
    FIRST_DATE: t.firstDate,
    DATES: t.dates,
    SEED: t.seed,
    RUN_ID: t.runId,
    MAX_ERROR_RATE: SLO.maxErrorRate,
    TIMEOUT: `${REQUEST_TIMEOUT_S}s`,
  };
}

/** The cart ids of one replay (the script names carts p-RUN_ID-VISITOR). */
export function cartPrefix(runId: string): string {
  return `p-${runId}-`;
}
