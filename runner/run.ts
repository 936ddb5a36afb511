import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseDuration } from './duration.ts';
import { EXIT, RunnerError, describeError } from './errors.ts';
import { ArrivalRateRun } from './executors/arrival-rate.ts';
import type { ExecutorHost, ScenarioRun } from './executors/base.ts';
import { IterationsRun } from './executors/iterations.ts';
import { ConstantVusRun, RampingVusRun } from './executors/vus.ts';
import { HttpClient } from './http/client.ts';
import { DEFAULT_EXPECTED } from './http/expected.ts';
import { executionModule } from './k6/execution.ts';
import { httpModule } from './k6/http.ts';
import { k6Module } from './k6/index.ts';
import { metricsModule } from './k6/metrics.ts';
import { loadScript, type LoadedScript } from './loader.ts';
import { parsePercentile } from './metrics/sinks.ts';
import { scenariosOf, type ScenarioConfig } from './options.ts';
import { JsonOutput } from './output-json.ts';
import { Progress } from './progress.ts';
import { IterationToken, Runtime, VU, type ScenarioInfo } from './runtime.ts';
import { autoKeysOf, buildSummaryData, DEFAULT_TREND_STATS, exportFormat, renderText, type SummaryData } from './summary.ts';
import { evaluate, parseThresholds, type ThresholdGroup } from './thresholds.ts';

export interface RunOptions {
  /** `-e K=V`: into __ENV, over the process environment */
  env?: Record<string, string>;
  summaryExport?: string;
  /** `--out` values; only `json=FILE` (`-` for stdout, `.gz` to compress) */
  out?: string[];
  /** no progress line */
  quiet?: boolean;
  summaryMode?: 'compact' | 'full' | 'disabled';
  summaryTrendStats?: string[];
  noThresholds?: boolean;
  noSetup?: boolean;
  noTeardown?: boolean;
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
  /** aborting it stops the run like Ctrl-C: summary still written, exit code 105 */
  signal?: AbortSignal;
}

export interface ScenarioResult {
  name: string;
  executor: string;
  completed: number;
  interrupted: number;
  /** arrival-rate executors only */
  scheduled: number;
  dropped: number;
  vus: number;
}

export interface RunResult {
  exitCode: number;
  thresholdsFailed: boolean;
  abortedBy: 'threshold' | 'signal' | 'script' | null;
  durationMs: number;
  summary: SummaryData;
  scenarios: ScenarioResult[];
  iterationErrors: number;
}

type Exports = Record<string, unknown>;

function isTTY(s: NodeJS.WritableStream): boolean {
  return Boolean((s as NodeJS.WriteStream).isTTY);
}

/** Writes a file completely or not at all: a reader never sees half of it. */
export function writeAtomic(file: string, content: string | Uint8Array): void {
  const tmp = `${file}.partial-${process.pid}`;
  writeFileSync(tmp, content);
  renameSync(tmp, file);
}

export async function runScript(scriptPath: string, opts: RunOptions = {}): Promise<RunResult> {
  const loaded = await loadScript(scriptPath);
  try {
    return await execute(loaded, opts);
  } finally {
    loaded.dispose();
  }
}

async function execute(loaded: LoadedScript, opts: RunOptions): Promise<RunResult> {
  const stdout = opts.stdout ?? process.stdout;
  const stderr = opts.stderr ?? process.stderr;
  const rt = new Runtime(loaded.file, stderr);
  const client = new HttpClient();
  const envBase: Record<string, string | undefined> = { ...process.env, ...(opts.env ?? {}) };
  let setupJson: string | undefined;
  let abortedBy: RunResult['abortedBy'] = null;
  let scriptAbortCode = 0;
  const runs: ScenarioRun[] = [];
  let iterationErrors = 0;
  const abortAll = (why: NonNullable<RunResult['abortedBy']>) => {
    if (abortedBy) return;
    abortedBy = why;
    for (const r of runs) r.abort();
    for (const cancel of pendingStarts) cancel();
  };
  const pendingStarts = new Set<() => void>();

  const makeVU = (id: number, scenario: ScenarioInfo | null): VU => {
    const vu = new VU(rt, id, scenario, DEFAULT_EXPECTED);
    const mods: Record<string, unknown> = {};
    const require = (name: string): unknown => {
      if (mods[name]) return mods[name];
      let m: Record<string, unknown>;
      switch (name) {
        case 'k6':
          m = k6Module(vu);
          break;
        case 'k6/http':
          m = httpModule(vu, client);
          break;
        case 'k6/metrics':
          m = metricsModule(vu);
          break;
        case 'k6/execution':
          m = executionModule(vu, (reason) => {
            rt.warn(`test.abort(): ${reason}`);
            scriptAbortCode = 108;
            setImmediate(() => abortAll('script'));
          });
          break;
        default:
          throw new Error(`unsupported k6 module '${name}'`);
      }
      // named and default imports both work: `import http from 'k6/http'`, `import { check } from 'k6'`
      return (mods[name] = { __esModule: true, ...m, default: m });
    };
    try {
      vu.instance = loaded.factory({ ...envBase, ...(scenario?.env ?? {}) }, id, require);
    } catch (err) {
      throw new RunnerError(`the script's init code failed: ${describeError(err)} at ${rt.location((err as Error)?.stack)}`, EXIT.script);
    }
    vu.phase = 'run';
    if (setupJson !== undefined) vu.setupData = JSON.parse(setupJson);
    return vu;
  };

  // init once for the options, like k6's first init context; it also runs setup/teardown/handleSummary
  const probe = makeVU(0, null);
  const exports = probe.instance.exports as Exports;
  const options = (exports.options ?? {}) as Record<string, unknown>;
  if (typeof options !== 'object') throw new RunnerError(`the script's 'options' export must be an object`, EXIT.config);
  rt.globalTags = Object.fromEntries(Object.entries((options.tags as Record<string, unknown>) ?? {}).map(([k, v]) => [k, String(v)]));
  probe.setTags({});
  rt.noCookiesReset = options.noCookiesReset === true;
  rt.discardResponseBodies = options.discardResponseBodies === true;
  if (typeof options.maxRedirects === 'number') rt.maxRedirects = options.maxRedirects;
  if (typeof options.userAgent === 'string') rt.userAgent = options.userAgent;
  const configs: ScenarioConfig[] = scenariosOf(options, exports);
  const trendStats = opts.summaryTrendStats ?? (options.summaryTrendStats as string[] | undefined) ?? DEFAULT_TREND_STATS;
  for (const s of trendStats) {
    if (!['avg', 'min', 'med', 'max', 'count'].includes(s) && parsePercentile(s) === undefined) {
      throw new RunnerError(`summaryTrendStats: '${s}' is not a trend statistic (accepted: avg, min, med, max, count, p(N))`, EXIT.config);
    }
  }
  const thresholds: ThresholdGroup[] = opts.noThresholds ? [] : parseThresholds(options.thresholds, rt.registry, (v) => parseDuration(v, 'delayAbortEval'));
  rt.registry.submetric(rt.metrics.http_req_duration, 'http_req_duration{expected_response:true}', [['expected_response', 'true']], false);

  let json: JsonOutput | undefined;
  for (const o of opts.out ?? []) {
    const m = /^json=(.+)$/.exec(o);
    if (!m) throw new RunnerError(`--out '${o}' is not supported (accepted: json=FILE, json=FILE.gz, json=-)`, EXIT.config);
    if (json) throw new RunnerError(`--out json given twice (accepted: one json output)`, EXIT.config);
    if (m[1] !== '-') mkdirSync(path.dirname(path.resolve(m[1])), { recursive: true });
    json = new JsonOutput(
      m[1],
      (metric) => ({
        thresholds: thresholds.filter((g) => g.metric === metric).flatMap((g) => g.thresholds.map((t) => t.source)),
        submetrics: metric.submetrics.filter((s) => !s.auto).map((s) => s.key),
      }),
      stdout,
    );
    rt.registry.output = json;
  }

  const host: ExecutorHost = {
    rt,
    newVU: (scenario) => makeVU(rt.nextVuId++, scenario),
    setupData: () => (setupJson === undefined ? undefined : JSON.parse(setupJson)),
    iterationError: (err) => {
      iterationErrors++;
      const msg = describeError(err);
      const loc = rt.location((err as Error)?.stack);
      rt.warnOnce(`iter:${msg}:${loc}`, `an iteration threw: ${msg} at ${loc}${iterationErrors === 1 ? ' (each distinct error is logged once)' : ''}`);
    },
  };

  const onSignal = () => abortAll('signal');
  opts.signal?.addEventListener('abort', onSignal, { once: true });
  if (opts.signal?.aborted) abortAll('signal');

  // setup
  let setupFailed = false;
  const setupFn = exports.setup;
  if (typeof setupFn === 'function' && !opts.noSetup && !abortedBy) {
    probe.phase = 'setup';
    probe.token = new IterationToken();
    probe.group = '::setup';
    probe.refreshBase();
    try {
      const r = await (setupFn as () => unknown)();
      setupJson = r === undefined ? undefined : JSON.stringify(r);
    } catch (err) {
      setupFailed = true;
      throw new RunnerError(`setup() failed: ${describeError(err)} at ${rt.location((err as Error)?.stack)}`, EXIT.script);
    } finally {
      probe.group = '';
      probe.refreshBase();
      probe.token = null;
    }
  }
  void setupFailed;

  rt.testStartedAt = performance.now();
  for (const c of configs) {
    const run =
      c.executor === 'constant-arrival-rate' || c.executor === 'ramping-arrival-rate'
        ? new ArrivalRateRun(c, host)
        : c.executor === 'constant-vus'
          ? new ConstantVusRun(c, host)
          : c.executor === 'ramping-vus'
            ? new RampingVusRun(c, host)
            : new IterationsRun(c, host);
    runs.push(run);
  }
  const gaugeTags = rt.registry.tagSetOf(rt.globalTags);
  const vusTimer = setInterval(() => {
    rt.registry.add(rt.metrics.vus, gaugeTags, runs.reduce((a, r) => a + r.active.size, 0));
    rt.registry.add(rt.metrics.vus_max, gaugeTags, runs.reduce((a, r) => a + r.vus.length, 0));
  }, 1000);
  const thresholdTimer = setInterval(() => {
    const elapsed = performance.now() - rt.testStartedAt;
    const { abort } = evaluate(thresholds, elapsed / 1000, false, elapsed);
    if (abort) {
      rt.warn(`threshold '${abort.source}' failed with abortOnFail: stopping the test`);
      abortAll('threshold');
    }
  }, 2000);
  const showProgress = !opts.quiet && isTTY(stderr);
  const progress = showProgress ? new Progress(stderr as NodeJS.WriteStream, rt, () => runs) : undefined;
  progress?.start();

  let scriptError: unknown;
  try {
    await Promise.all(
      runs.map(async (r) => {
        if (r.config.startTimeMs > 0) {
          const started = await new Promise<boolean>((resolve) => {
            const t = setTimeout(() => {
              pendingStarts.delete(cancel);
              resolve(true);
            }, r.config.startTimeMs);
            const cancel = () => {
              clearTimeout(t);
              resolve(false);
            };
            pendingStarts.add(cancel);
          });
          if (!started) return;
        }
        if (abortedBy) return;
        await r.run();
      }),
    );
  } catch (err) {
    // init code of a VU started mid-run (maxVUs growth) can throw; stop everything and report it
    scriptError = err;
    abortAll('script');
  } finally {
    clearInterval(vusTimer);
    clearInterval(thresholdTimer);
    progress?.stop();
  }
  const durationMs = performance.now() - rt.testStartedAt;
  rt.registry.add(rt.metrics.vus, gaugeTags, 0);
  rt.registry.add(rt.metrics.vus_max, gaugeTags, runs.reduce((a, r) => a + r.vus.length, 0));

  let teardownFailed = false;
  const teardownFn = exports.teardown;
  if (typeof teardownFn === 'function' && !opts.noTeardown && abortedBy !== 'signal') {
    probe.phase = 'teardown';
    probe.token = new IterationToken();
    probe.group = '::teardown';
    probe.refreshBase();
    try {
      await (teardownFn as (d: unknown) => unknown)(setupJson === undefined ? undefined : JSON.parse(setupJson));
    } catch (err) {
      teardownFailed = true;
      rt.stderr.write(`error: teardown() failed: ${describeError(err)} at ${rt.location((err as Error)?.stack)}\n`);
    } finally {
      probe.token = null;
    }
  }

  const final = evaluate(thresholds, durationMs / 1000, true, durationMs);
  const thresholdsFailed = final.failed || abortedBy === 'threshold';
  const data = buildSummaryData(rt.registry, thresholds, rt.rootGroup, trendStats, durationMs, { stdout: isTTY(stdout), stderr: isTTY(stderr) }, setupJson === undefined ? undefined : JSON.parse(setupJson));

  const mode = opts.summaryMode ?? 'compact';
  if (mode !== 'disabled') {
    let printed = false;
    const handle = exports.handleSummary;
    if (typeof handle === 'function') {
      printed = await runHandleSummary(handle as (d: SummaryData) => unknown, data, stdout, stderr, rt);
    }
    if (!printed) stdout.write(renderText(data, autoKeysOf(rt.registry)));
    if (opts.summaryExport) {
      mkdirSync(path.dirname(path.resolve(opts.summaryExport)), { recursive: true });
      writeAtomic(opts.summaryExport, JSON.stringify(exportFormat(data), null, 2) + '\n');
    }
  }
  if (iterationErrors > 0) stderr.write(`warning: ${iterationErrors} iteration(s) threw an error\n`);

  await json?.close(abortedBy === null);
  await client.close();
  opts.signal?.removeEventListener('abort', onSignal);
  if (scriptError) throw scriptError;

  let exitCode: number = EXIT.ok;
  if (abortedBy === 'signal') exitCode = EXIT.signal;
  else if (thresholdsFailed) exitCode = EXIT.thresholdsFailed;
  else if (abortedBy === 'script') exitCode = scriptAbortCode || EXIT.script;
  else if (teardownFailed) exitCode = EXIT.script;

  return {
    exitCode,
    thresholdsFailed,
    abortedBy,
    durationMs,
    summary: data,
    iterationErrors,
    scenarios: runs.map((r) => ({
      name: r.config.name,
      executor: r.config.executor,
      completed: r.completed,
      interrupted: r.interrupted,
      scheduled: r instanceof ArrivalRateRun ? r.scheduled : 0,
      dropped: r instanceof ArrivalRateRun ? r.dropped : 0,
      vus: r.vus.length,
    })),
  };
}

/**
 * Calls handleSummary and writes what it returns. True when it took over the text summary; undefined or
 * a throw fall back to k6's text summary (k6-subset §1).
 */
async function runHandleSummary(fn: (d: SummaryData) => unknown, data: SummaryData, stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream, rt: Runtime): Promise<boolean> {
  let result: unknown;
  try {
    let timer: NodeJS.Timeout | undefined;
    result = await Promise.race([
      Promise.resolve(fn(structuredClone(data))),
      new Promise((_r, reject) => {
        timer = setTimeout(() => reject(new Error('handleSummary() took longer than 120s')), 120_000);
      }),
    ]).finally(() => clearTimeout(timer));
  } catch (err) {
    rt.stderr.write(`error: handleSummary() failed: ${describeError(err)} at ${rt.location((err as Error)?.stack)}; printing the default summary\n`);
    return false;
  }
  if (result === undefined || result === null) return false;
  if (typeof result !== 'object') {
    rt.stderr.write(`error: handleSummary() returned ${typeof result}; expected an object of {stdout|stderr|path: content}\n`);
    return false;
  }
  for (const [key, value] of Object.entries(result as Record<string, unknown>)) {
    const content = typeof value === 'string' ? value : value instanceof ArrayBuffer ? new Uint8Array(value) : ArrayBuffer.isView(value) ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength) : String(value);
    if (key === 'stdout') stdout.write(content);
    else if (key === 'stderr') stderr.write(content);
    else {
      try {
        writeAtomic(key, content);
      } catch (err) {
        rt.stderr.write(`error: handleSummary() output '${key}' could not be written: ${describeError(err)}\n`);
      }
    }
  }
  return true;
}
