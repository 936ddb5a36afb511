// The run-wide options of a script's `options` export (scenarios are read in scenarios.ts).
import { parseDuration } from './duration.ts';
import { EXIT, RunnerError } from './errors.ts';
import { parsePercentile } from './metrics/sinks.ts';
import type { Runtime } from './runtime.ts';
import { DEFAULT_TREND_STATS } from './summary.ts';
import { parseThresholds, type ThresholdGroup } from './thresholds.ts';

export type Options = Record<string, unknown>;

/** The script's `options` export, checked to be an object. */
export function optionsOf(exports: Record<string, unknown>): Options {
  const options = exports.options ?? {};
  if (typeof options !== 'object' || options === null) throw new RunnerError(`the script's 'options' export must be an object`, EXIT.config);
  return options as Options;
}

/** Options that shape every request and sample: onto the run's runtime. */
export function applyRunOptions(rt: Runtime, options: Options): void {
  rt.globalTags = Object.fromEntries(Object.entries((options.tags as Record<string, unknown>) ?? {}).map(([k, v]) => [k, String(v)]));
  rt.noCookiesReset = options.noCookiesReset === true;
  rt.discardResponseBodies = options.discardResponseBodies === true;
  if (typeof options.maxRedirects === 'number') rt.maxRedirects = options.maxRedirects;
  if (typeof options.userAgent === 'string') rt.userAgent = options.userAgent;
}

/** `--summary-trend-stats` over `options.summaryTrendStats` over k6's default, each one checked. */
export function trendStatsOf(options: Options, flag: string[] | undefined): string[] {
  const stats = flag ?? (options.summaryTrendStats as string[] | undefined) ?? DEFAULT_TREND_STATS;
  for (const s of stats) {
    if (!['avg', 'min', 'med', 'max', 'count'].includes(s) && parsePercentile(s) === undefined) {
      throw new RunnerError(`summaryTrendStats: '${s}' is not a trend statistic (accepted: avg, min, med, max, count, p(N))`, EXIT.config);
    }
  }
  return stats;
}

/** The thresholds (none with --no-thresholds), and the submetric k6 always reports. */
export function thresholdsOf(rt: Runtime, options: Options, disabled: boolean | undefined): ThresholdGroup[] {
  const thresholds = disabled ? [] : parseThresholds(options.thresholds, rt.registry, (v) => parseDuration(v, 'delayAbortEval'));
  rt.registry.submetric(rt.metrics.http_req_duration, 'http_req_duration{expected_response:true}', [['expected_response', 'true']], false);
  return thresholds;
}
