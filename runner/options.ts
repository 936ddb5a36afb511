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
  if (typeof options !== 'object' || options === null)
    throw new RunnerError(`the script's 'options' export must be an object`, EXIT.config);
  return options as Options;
}

/**
 * Every k6 option and what this runner does with it. `used`: read and followed. `refused`: it would change
 * the load or its targets, so the test does not start. `ignored`: it changes neither (or only the look of the
 * output); one warning at start-up names it.
 */
const OPTIONS: Record<string, 'used' | 'refused' | 'ignored'> = {
  scenarios: 'used',
  vus: 'used',
  duration: 'used',
  iterations: 'used',
  stages: 'used',
  thresholds: 'used',
  tags: 'used',
  summaryTrendStats: 'used',
  noCookiesReset: 'used',
  discardResponseBodies: 'used',
  maxRedirects: 'used',
  userAgent: 'used',
  setupTimeout: 'used',
  teardownTimeout: 'used',
  handleSummaryTimeout: 'used',
  minIterationDuration: 'used',
  noConnectionReuse: 'used',
  insecureSkipTLSVerify: 'used',
  throw: 'used',
  batch: 'used',
  batchPerHost: 'used',
  noUsageReport: 'used',
  noSetup: 'used',
  noTeardown: 'used',
  noThresholds: 'used',
  noVUConnectionReuse: 'refused',
  hosts: 'refused',
  rps: 'refused',
  localIPs: 'refused',
  blockHostnames: 'refused',
  blacklistIPs: 'refused',
  executionSegment: 'used',
  executionSegmentSequence: 'used',
  paused: 'refused',
  tlsAuth: 'used',
  tlsCipherSuites: 'used',
  tlsVersion: 'used',
  dns: 'refused',
  httpDebug: 'used',
  summaryTimeUnit: 'ignored',
  systemTags: 'ignored',
  consoleOutput: 'ignored',
  linger: 'ignored',
  cloud: 'ignored',
  ext: 'ignored',
  noColor: 'ignored',
  logOutput: 'ignored',
  logFormat: 'ignored',
  compatibilityMode: 'ignored',
  webDashboard: 'ignored',
  metricSamplesBufferSize: 'ignored',
  maxVUs: 'ignored',
  address: 'ignored',
  quiet: 'ignored',
  verbose: 'ignored',
};

/** Refuses options that would change the load; warns once about each one that is read but not followed. */
export function checkOptions(rt: Runtime, options: Options, unreadEnv: string[]): void {
  for (const key of Object.keys(options)) {
    const what = OPTIONS[key];
    if (what === 'refused')
      throw new RunnerError(
        `options.${key} is not supported by this runner and would change the load or its targets; remove it to run here (k6 follows it)`,
        EXIT.config,
      );
    if (what === 'ignored')
      rt.warn(`options.${key} is ignored by this runner (it changes neither the load nor the results here)`);
    if (what === undefined) rt.warn(`options.${key} is not a k6 option this runner knows; ignored`);
  }
  if (unreadEnv.length > 0)
    rt.warn(
      `${unreadEnv.join(', ')}: k6 reads these K6_* environment variables as options; this runner does not (put them in options or pass flags)`,
    );
}

/** Options that shape every request and sample: onto the run's runtime. */
export function applyRunOptions(rt: Runtime, options: Options): void {
  rt.globalTags = Object.fromEntries(
    Object.entries((options.tags as Record<string, unknown>) ?? {}).map(([k, v]) => [k, String(v)]),
  );
  rt.noCookiesReset = options.noCookiesReset === true;
  rt.discardResponseBodies = options.discardResponseBodies === true;
  if (typeof options.maxRedirects === 'number') rt.maxRedirects = options.maxRedirects;
  if (typeof options.userAgent === 'string') rt.userAgent = options.userAgent;
  if (options.httpDebug !== undefined && options.httpDebug !== '' && options.httpDebug !== false)
    rt.httpDebug = options.httpDebug === 'full' ? 'full' : 'headers';
  rt.noConnectionReuse = options.noConnectionReuse === true;
  rt.throwOnError = options.throw === true;
  if (options.minIterationDuration !== undefined)
    rt.minIterationMs = parseDuration(options.minIterationDuration, 'options.minIterationDuration');
  if (typeof options.batch === 'number') rt.batch = options.batch;
  if (typeof options.batchPerHost === 'number') rt.batchPerHost = options.batchPerHost;
}

/** `--summary-trend-stats` over `options.summaryTrendStats` over k6's default, each one checked. */
export function trendStatsOf(options: Options, flag: string[] | undefined): string[] {
  const stats = flag ?? (options.summaryTrendStats as string[] | undefined) ?? DEFAULT_TREND_STATS;
  for (const s of stats) {
    if (!['avg', 'min', 'med', 'max', 'count'].includes(s) && parsePercentile(s) === undefined) {
      throw new RunnerError(
        `summaryTrendStats: '${s}' is not a trend statistic (accepted: avg, min, med, max, count, p(N))`,
        EXIT.config,
      );
    }
  }
  return stats;
}

/** The thresholds (none with --no-thresholds), and the submetric k6 always reports. */
export function thresholdsOf(rt: Runtime, options: Options, disabled: boolean | undefined): ThresholdGroup[] {
  const thresholds = disabled
    ? []
    : parseThresholds(options.thresholds, rt.registry, (v) => parseDuration(v, 'delayAbortEval'));
  rt.registry.submetric(
    rt.metrics.http_req_duration,
    'http_req_duration{expected_response:true}',
    [['expected_response', 'true']],
    false,
  );
  return thresholds;
}
