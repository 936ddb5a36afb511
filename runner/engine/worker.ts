// The engine's thread: the script's VUs, the executors and HTTP. It plays setup, the scenarios and teardown
// as the main thread configured them and ships what it measures; the main thread keeps time, judges the
// thresholds, owns the signals and writes the summary, and terminates this thread when a VU never yields.
import { Writable } from 'node:stream';
import { parentPort } from 'node:worker_threads';
import type { Options } from '../config.ts';
import { EXIT, RunnerError, describeError } from '../errors.ts';
import { callHandleSummary, type SummaryOutputs } from '../handle-summary.ts';
import { tlsSettingsOf } from '../http/tls.ts';
import { limitOf, runSetup, runTeardown, type TeardownOutcome } from '../lifecycle.ts';
import { factoryOf } from '../script-factory.ts';
import { TrendSink } from '../metrics/sinks.ts';
import { applyRunOptions, thresholdsOf } from '../options.ts';
import { runScenarios, type LoadPhase } from '../scenario-runs.ts';
import { scenariosOf } from '../scenarios.ts';
import { ExecutionTuple, parseSegment, parseSequence } from '../segments/segment.ts';
import { TestRun } from '../test-run.ts';
import type { SummaryData } from '../summary.ts';
import type { VU } from '../runtime.ts';
import type {
  EngineDone,
  EnginePhase,
  EngineScript,
  EngineStart,
  ErrorInfo,
  FromEngine,
  ToEngine,
} from './protocol.ts';
import { PointForwarder, Shipper } from './shipper.ts';

const port = parentPort!;
const post = (m: FromEngine, transfer?: ArrayBuffer[]) => port.postMessage(m, transfer);
const wallNow = () => performance.timeOrigin + performance.now();

function errorInfo(err: unknown): ErrorInfo {
  if (err instanceof RunnerError) return { message: err.message, exitCode: err.exitCode };
  return { message: (err as Error)?.stack ?? String(err), exitCode: null };
}

TrendSink.shipping = true;
const stderr = new Writable({
  write(chunk: Buffer | string, _enc, done) {
    post({ t: 'stderr', text: String(chunk) });
    done();
  },
});

/** The script's init context on this thread, with the VU that runs setup and teardown. */
interface Prepared {
  run: TestRun;
  probe: VU;
}

function prepare(script: EngineScript): Prepared {
  const loaded = { file: script.file, bundle: script.bundle, factory: factoryOf(script.bundle), dispose() {} };
  const run = new TestRun(loaded, script.env, stderr);
  return { run, probe: run.newVU(0, null) };
}

/** The run configured as on the main thread, with the same options. */
function configure(run: TestRun, options: Options): void {
  run.options = options;
  applyRunOptions(run.rt, options);
  run.client.insecureSkipTLSVerify = options.insecureSkipTLSVerify === true;
  run.client.tls = tlsSettingsOf(options, (m) => {
    throw new RunnerError(m, EXIT.config);
  });
}

/** A promise the script started and never awaited that fails: k6 would log it; Node would end the thread. */
function logRejections(run: TestRun): void {
  process.on('unhandledRejection', (err: unknown) =>
    run.rt.warnOnce(
      `rejected:${describeError(err)}`,
      `a promise the script did not await failed: ${describeError(err)} at ${run.rt.errorLocation(err)}`,
    ),
  );
}

async function play(start: EngineStart, { run, probe }: Prepared, shipper: Shipper): Promise<Omit<EngineDone, 't'>> {
  const phase = (p: EnginePhase, limitMs: number) => post({ t: 'phase', phase: p, at: wallNow(), limitMs });
  // after the init code, which declares the custom metrics thresholds may name
  thresholdsOf(run.rt, start.options, start.noThresholds);
  probe.setTags({});
  const exports = probe.instance.exports as Record<string, unknown>;
  let load: LoadPhase = { durationMs: 0, scriptError: undefined };
  if (start.teardownOnly !== null) run.setupJson = start.teardownOnly.setupJson;
  else {
    // the main thread warned about the options already; the same segment gives the executors the same shares
    const tuple = ExecutionTuple.of(parseSegment(start.segment.segment), parseSequence(start.segment.sequence));
    const plans = scenariosOf(start.options, exports, () => {}, tuple);
    run.numberVusBy(tuple);
    if (typeof exports.setup === 'function' && !start.noSetup && !run.abortedBy) {
      phase('setup', limitOf(run, 'setup'));
      await runSetup(run, probe, exports.setup as () => unknown);
      post({ t: 'setup', json: run.setupJson });
    }
    load = await runScenarios(run, plans, (runs) => {
      phase('load', Math.max(0, ...runs.map((r) => r.config.startTimeMs + r.plannedMs + r.config.gracefulStopMs)));
      shipper.ship();
    });
  }
  const teardown = exports.teardown;
  let outcome: TeardownOutcome = 'ok';
  if (typeof teardown === 'function' && !start.noTeardown && run.abortedBy !== 'signal') {
    phase('teardown', limitOf(run, 'teardown'));
    outcome = await runTeardown(run, probe, teardown as (d: unknown) => unknown);
  }
  return {
    durationMs: load.durationMs,
    abortedBy: run.abortedBy,
    scriptAbortCode: run.scriptAbortCode,
    markedFailed: run.markedFailed,
    teardown: outcome,
    scriptError: load.scriptError === undefined ? null : errorInfo(load.scriptError),
  };
}

/** The init code ran here already when the main thread asked for it first (see init-first.ts). */
let prepared: Prepared | undefined;
let current: TestRun | undefined;
/** the init context the test played on: handleSummary runs on it after the test, not on a new one */
let played: Prepared | undefined;
/** why the init code failed on this thread, for a thread started only for handleSummary */
let initFailure: unknown;

async function main(start: EngineStart): Promise<void> {
  const test = prepared ?? prepare(start);
  played = test;
  const run = (current = test.run);
  configure(run, start.options);
  const points = start.points ? new PointForwarder() : undefined;
  run.rt.registry.output = points;
  logRejections(run);
  post({ t: 'phase', phase: 'init', at: wallNow(), limitMs: Number.POSITIVE_INFINITY });
  const shipper = new Shipper(run, post, points);
  let result: FromEngine;
  try {
    result = { t: 'done', ...(await play(start, test, shipper)) };
  } catch (err) {
    result = { t: 'failed', error: errorInfo(err) };
  }
  shipper.stop();
  if (!start.keepForSummary) await run.client.close();
  // the main thread terminates this thread on this message (or after handleSummary): a socket or timer the
  // script left open must not hold the end of the test
  post(result);
}

/**
 * handleSummary on the init context the test played on, or, on a thread started for it after the one that
 * played had to be stopped, on the init context the 'init' message just made.
 */
async function summarize(data: SummaryData, options: Options): Promise<SummaryOutputs> {
  const test = played ?? prepared;
  if (test === undefined) {
    // the same init code succeeded on the main thread: only something that differs per run can make it fail here
    stderr.write(
      `error: handleSummary() could not run: the script's init code failed on its thread (${describeError(initFailure)}); printing the default summary\n`,
    );
    return 'text';
  }
  if (played === undefined) {
    configure(test.run, options);
    logRejections(test.run);
  }
  const fn = (test.probe.instance.exports as Record<string, unknown>).handleSummary as (d: SummaryData) => unknown;
  try {
    return await callHandleSummary(fn, data, test.run.rt);
  } finally {
    await test.run.client.close();
  }
}

// the thread starts while the main thread still bundles the script: it waits for the script, then for the options
port.on('message', (m: ToEngine) => {
  if (m.t === 'init') {
    try {
      prepared = prepare(m.script);
    } catch (err) {
      // the main thread runs the same init code next, and reports what failed in its own words
      initFailure = err;
    }
    post({ t: 'inited' });
  } else if (m.t === 'start') main(m.start).catch((err: unknown) => post({ t: 'failed', error: errorInfo(err) }));
  else if (m.t === 'summary')
    summarize(m.data, m.options).then(
      (outputs) => post({ t: 'summarized', outputs }),
      (err: unknown) => post({ t: 'failed', error: errorInfo(err) }),
    );
  else current?.abort(m.why);
});
