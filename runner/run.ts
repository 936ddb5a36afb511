import writeFileAtomic from 'write-file-atomic';
import { EXIT, RunnerError, describeError } from './errors.ts';
import { tlsSettingsOf } from './http/tls.ts';
import { summaryLimitOf, writeSummaryOutputs, type SummaryOutputs } from './handle-summary.ts';
import { loadScript, type LoadedScript } from './loader.ts';
import { consolidate, envOptions, type Options } from './config.ts';
import { applyRunOptions, checkOptions, optionsOf, thresholdsOf, trendStatsOf } from './options.ts';
import { checkWritable, openOutputs } from './outputs.ts';
import {
  bootEngine,
  superviseEngine,
  teardownAfterStop,
  toError,
  type EngineOutcome,
  type EngineSupervision,
  type EngineThread,
} from './engine/supervisor.ts';
import { initFirst } from './engine/init-first.ts';
import { summarizeOnThread } from './engine/summary-thread.ts';
import type { ScenarioResult } from './engine/protocol.ts';
import { scenariosOf, type ScenarioPlan } from './scenarios.ts';
import { instanceMeta, metadataLine } from './segments/instance-meta.ts';
import { executionTupleOf, segmentString, sequenceString, type ExecutionTuple } from './segments/segment.ts';
import { autoKeysOf, buildSummaryData, exportFormat, renderText, type SummaryData } from './summary.ts';
import { evaluate, type ThresholdGroup } from './thresholds.ts';
import type { VU } from './runtime.ts';
import { TestRun, type AbortReason } from './test-run.ts';

export interface RunOptions {
  /** `-e K=V`: into __ENV, over the process environment */
  env?: Record<string, string>;
  /** the k6 options the command line sets (`--vus`, `--stage`, `--tag`, ...): over K6_* variables and the script */
  flagOptions?: Options;
  /** where K6_* variables are read from (the process environment when not given) */
  k6Env?: NodeJS.ProcessEnv;
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
  /** called when the test has ended and handleSummary starts: a Ctrl-C from then on stops no test */
  onHandleSummary?: () => void;
}

export type { ScenarioResult };

export interface RunResult {
  exitCode: number;
  thresholdsFailed: boolean;
  abortedBy: AbortReason | null;
  durationMs: number;
  summary: SummaryData;
  scenarios: ScenarioResult[];
  iterationErrors: number;
}

type Exports = Record<string, unknown>;

function isTTY(s: NodeJS.WritableStream): boolean {
  return Boolean((s as NodeJS.WriteStream).isTTY);
}

export async function runScript(scriptPath: string, opts: RunOptions = {}): Promise<RunResult> {
  // the VUs' thread loads its modules while this one bundles the script and reads its options
  const engine = bootEngine();
  try {
    const loaded = await loadScript(scriptPath);
    try {
      return await execute(loaded, engine, opts);
    } finally {
      loaded.dispose();
    }
  } finally {
    engine.dispose();
  }
}

/** k6's exit code for how the run ended (k6-subset §6). */
function exitCodeOf(engine: EngineOutcome, thresholdsFailed: boolean): number {
  if (engine.abortedBy === 'signal') return EXIT.signal;
  if (engine.abortedBy === 'script') return engine.scriptAbortCode || EXIT.script;
  if (engine.markedFailed) return EXIT.markedFailed;
  if (thresholdsFailed) return EXIT.thresholdsFailed;
  if (engine.teardown === 'timeout') return EXIT.teardownTimeout;
  if (engine.teardown === 'failed') return EXIT.script;
  return EXIT.ok;
}

/** handleSummary runs after the test (the summary is not disabled): the thread the test ends on stays for it. */
function summaryHandled(exports: Exports, opts: RunOptions): boolean {
  return typeof exports.handleSummary === 'function' && (opts.summaryMode ?? 'compact') !== 'disabled';
}

/**
 * The text summary or handleSummary's outputs, and the summary export. handleSummary runs on `host`, the thread
 * the test ended on when it is still alive, or else on a new one; past its time limit neither the text summary
 * nor the export is written, as on k6 (whose wrapper that writes both never runs then).
 */
async function writeSummary(
  data: SummaryData,
  test: Test,
  host: EngineThread | null,
  opts: RunOptions,
  stdout: NodeJS.WritableStream,
  stderr: NodeJS.WritableStream,
): Promise<void> {
  if ((opts.summaryMode ?? 'compact') === 'disabled') return;
  const { run, loaded } = test;
  let outputs: SummaryOutputs = 'text';
  if (summaryHandled(test.exports, opts)) {
    const script = { file: loaded.file, bundle: loaded.bundle, env: opts.env };
    const limitMs = test.summaryLimitMs;
    opts.onHandleSummary?.();
    const outcome = await summarizeOnThread({ host, script, options: run.options, data, limitMs, stderr });
    if (outcome.t === 'timeout') return;
    outputs = outcome.outputs;
  }
  // as on k6, a result it cannot write leaves out the export too
  if (outputs === 'none') return;
  if (outputs === 'text') stdout.write(renderText(data, autoKeysOf(run.rt.registry)));
  else writeSummaryOutputs(outputs, stdout, stderr);
  if (!opts.summaryExport) return;
  try {
    writeFileAtomic.sync(opts.summaryExport, JSON.stringify(exportFormat(data), null, 2) + '\n');
  } catch (err) {
    // checked before the test; whatever removed the folder since, the run's result still stands
    stderr.write(`error: --summary-export '${opts.summaryExport}' could not be written: ${describeError(err)}\n`);
  }
}

async function execute(loaded: LoadedScript, engine: EngineThread, flags: RunOptions): Promise<RunResult> {
  const stdout = flags.stdout ?? process.stdout;
  const stderr = flags.stderr ?? process.stderr;
  await initFirst(engine, { file: loaded.file, bundle: loaded.bundle, env: flags.env }, flags.signal, stderr);
  const run = new TestRun(loaded, flags.env, stderr);
  const rt = run.rt;
  // init once for the options, like k6's first init context (setup, teardown and handleSummary run on a thread)
  const probe = run.newVU(0, null);
  const exports = probe.instance.exports as Exports;
  const scriptOptions = optionsOf(exports);
  const fromEnv = envOptions(flags.k6Env ?? process.env);
  checkOptions(rt, scriptOptions, fromEnv.unread);
  const options = consolidate(scriptOptions, fromEnv.options, flags.flagOptions ?? {});
  run.options = options;
  applyRunOptions(rt, options);
  run.client.insecureSkipTLSVerify = options.insecureSkipTLSVerify === true;
  run.client.tls = tlsSettingsOf(options, (m) => {
    throw new RunnerError(m, EXIT.config);
  });
  // k6 takes these from the options too; a flag only adds to them
  const opts: RunOptions = {
    ...flags,
    noSetup: flags.noSetup || options.noSetup === true,
    noTeardown: flags.noTeardown || options.noTeardown === true,
    noThresholds: flags.noThresholds || options.noThresholds === true,
  };
  probe.setTags({});
  const tuple = executionTupleOf(options);
  const test: Test = {
    loaded,
    run,
    probe,
    exports,
    tuple,
    plans: scenariosOf(options, exports, (m) => rt.warn(m), tuple),
    trendStats: trendStatsOf(options, opts.summaryTrendStats),
    thresholds: thresholdsOf(rt, options, opts.noThresholds),
    summaryLimitMs: summaryLimitOf(options),
  };
  if (opts.summaryExport && opts.summaryMode !== 'disabled') checkWritable('--summary-export', opts.summaryExport);
  const meta = metadataLine(instanceMeta(loaded.file, test.tuple));
  const json = openOutputs(opts.out, rt.registry, test.thresholds, stdout, meta);
  // a promise the init code here started and never awaited that fails: k6 would log it; Node would exit
  const onRejection = (err: unknown) =>
    rt.warnOnce(
      `rejected:${describeError(err)}`,
      `a promise the script did not await failed: ${describeError(err)} at ${rt.errorLocation(err)}`,
    );
  process.on('unhandledRejection', onRejection);
  try {
    const result = await play(test, engine, opts, json !== undefined, stdout, stderr);
    await json?.close();
    return result;
  } catch (err) {
    await json?.discard();
    throw err;
  } finally {
    await run.client.close();
    process.removeListener('unhandledRejection', onRejection);
  }
}

/** A test ready to play: its init context, scenarios, summary statistics and thresholds. */
interface Test {
  loaded: LoadedScript;
  run: TestRun;
  probe: VU;
  exports: Exports;
  /** this instance's execution segment */
  tuple: ExecutionTuple;
  plans: ScenarioPlan[];
  trendStats: string[];
  thresholds: ThresholdGroup[];
  /** handleSummaryTimeout */
  summaryLimitMs: number;
}

/**
 * setup, the scenarios and teardown on the engine's thread; the thresholds and the summary here, from what
 * that thread shipped (all of it when it ended itself, up to its last 100 ms when it had to be stopped).
 */
async function play(
  test: Test,
  thread: EngineThread,
  opts: RunOptions,
  points: boolean,
  stdout: NodeJS.WritableStream,
  stderr: NodeJS.WritableStream,
): Promise<RunResult> {
  const { run, exports, thresholds } = test;
  const rt = run.rt;
  const supervision: EngineSupervision = {
    start: {
      file: test.loaded.file,
      bundle: test.loaded.bundle,
      env: opts.env,
      options: run.options,
      segment: { segment: segmentString(test.tuple.segment), sequence: sequenceString(test.tuple.sequenceSegments()) },
      noSetup: opts.noSetup === true,
      noTeardown: opts.noTeardown === true,
      noThresholds: opts.noThresholds === true,
      points,
      teardownOnly: null,
      keepForSummary: summaryHandled(exports, opts),
    },
    rt,
    thresholds,
    stderr,
    progressTo: !opts.quiet && isTTY(stderr) ? (stderr as NodeJS.WriteStream) : undefined,
    signal: opts.signal,
  };
  let engine = await superviseEngine(thread, supervision);
  const teardownThread =
    engine.stopped === 'load' &&
    typeof exports.teardown === 'function' &&
    !opts.noTeardown &&
    engine.abortedBy !== 'signal'
      ? bootEngine()
      : null;
  try {
    if (teardownThread !== null) engine = await teardownAfterStop(supervision, engine, teardownThread);
    return await conclude(test, engine, engine.alive ? (teardownThread ?? thread) : null, opts, stdout, stderr);
  } finally {
    teardownThread?.dispose();
  }
}

/** The thresholds' verdict, the summary and the result, once the test is over. */
async function conclude(
  test: Test,
  engine: EngineOutcome,
  host: EngineThread | null,
  opts: RunOptions,
  stdout: NodeJS.WritableStream,
  stderr: NodeJS.WritableStream,
): Promise<RunResult> {
  const { run, thresholds } = test;
  const rt = run.rt;
  run.setupJson = engine.setupJson;
  const { durationMs } = engine;
  const thresholdsFailed =
    evaluate(thresholds, durationMs / 1000, true, durationMs).failed || engine.abortedBy === 'threshold';
  const data = buildSummaryData(
    rt.registry,
    thresholds,
    rt.rootGroup,
    test.trendStats,
    durationMs,
    { stdout: isTTY(stdout), stderr: isTTY(stderr) },
    run.setupData(),
  );
  await writeSummary(data, test, host, opts, stdout, stderr);
  if (engine.iterationErrors > 0) stderr.write(`warning: ${engine.iterationErrors} iteration(s) threw an error\n`);
  if (engine.scriptError) throw toError(engine.scriptError);
  return {
    exitCode: exitCodeOf(engine, thresholdsFailed),
    thresholdsFailed,
    abortedBy: engine.abortedBy,
    durationMs,
    summary: data,
    iterationErrors: engine.iterationErrors,
    scenarios: engine.scenarios.map((r) => ({
      name: r.name,
      executor: r.executor,
      completed: r.completed,
      interrupted: r.interrupted,
      scheduled: r.scheduled,
      dropped: r.dropped,
      vus: r.vus,
    })),
  };
}
