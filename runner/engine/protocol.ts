// What the engine's worker thread and the supervisor on the main thread say to each other (structured clone;
// a shipment's trend values travel as transferred buffers).
import type { CheckNode } from '../runtime.ts';
import type { MetricType, ValueType } from '../metrics/sinks.ts';
import type { Selector, Tags } from '../metrics/registry.ts';
import type { Options } from '../config.ts';
import type { AbortReason } from '../test-run.ts';
import type { SummaryOutputs } from '../handle-summary.ts';
import type { SummaryData } from '../summary.ts';

/** The script as the thread loads it: its path and its bundle, already written by the main thread's loader. */
export interface EngineScript {
  file: string;
  bundle: string;
  env: Record<string, string> | undefined;
}

/** What the worker needs to play the test the main thread configured. */
export interface EngineStart extends EngineScript {
  /** the consolidated options: script, K6_* variables and flags */
  options: Options;
  /**
   * this instance's execution segment and the filled sequence it is one of (ExecutionTuple is a class, which a
   * structured clone would strip): the thread's executors compute the same shares as the main thread
   */
  segment: { segment: string; sequence: string };
  noSetup: boolean;
  noTeardown: boolean;
  noThresholds: boolean;
  /** `--out` is on: every sample also travels as a point */
  points: boolean;
  /**
   * Only teardown, with setup's data: the thread that played the load had to be stopped, and k6 still runs
   * teardown after interrupting a VU.
   */
  teardownOnly: { setupJson: string | undefined } | null;
  /**
   * handleSummary runs on this thread after the test (engine/summary-thread.ts): the thread stays alive after
   * `done`, its HTTP client open for the requests handleSummary may send
   */
  keepForSummary: boolean;
}

/** A sink the worker ships, named once by a number that later shipments use: its metric's own or a submetric's. */
export interface SinkName {
  id: number;
  metric: string;
  type: MetricType;
  contains: ValueType;
  sub: { key: string; selector: Selector; auto: boolean } | null;
}

/** One sink's samples since the last shipment. */
export interface SinkShipment {
  /** a SinkName's id, named in this shipment or an earlier one */
  id: number;
  /**
   * counter: count added; gauge: [value, min, max]; rate: [passes, total] added; trend: the values, in an
   * array whose buffer is transferred with the message rather than copied
   */
  delta: number[] | Float64Array;
}

export interface GroupShipment {
  path: string;
  name: string;
  parent: string;
  checks: CheckNode[];
}

/** `--out` points since the last shipment: tag sets first seen now, then metric, tag set, value, time. */
export interface PointShipment {
  tagSets: [id: number, key: string, tags: Tags][];
  metrics: string[];
  rows: number[];
}

/** A scenario's counts at the end of the run, as the result reports them. */
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

/** Where a scenario stands, for the progress line and the result. */
export interface ScenarioStatus extends ScenarioResult {
  active: number;
  /** wall-clock ms, 0 until it starts */
  startedAt: number;
  plannedMs: number;
  stopping: boolean;
}

export interface Shipment {
  t: 'metrics';
  /** the sinks shipped for the first time now, before `sinks` */
  names: SinkName[];
  sinks: SinkShipment[];
  /** the whole group tree, when a check or group changed */
  groups: GroupShipment[] | null;
  points: PointShipment | null;
  scenarios: ScenarioStatus[];
  iterationErrors: number;
  /** how the run stands, should the thread have to be stopped before it says so in EngineDone */
  abortedBy: AbortReason | null;
  scriptAbortCode: number;
  markedFailed: boolean;
}

export type EnginePhase = 'init' | 'setup' | 'load' | 'teardown';

/** A thrown error, as the main thread rethrows it: a RunnerError keeps its exit code. */
export interface ErrorInfo {
  message: string;
  exitCode: number | null;
}

export interface EngineDone {
  t: 'done';
  durationMs: number;
  abortedBy: AbortReason | null;
  scriptAbortCode: number;
  markedFailed: boolean;
  teardown: 'ok' | 'failed' | 'timeout';
  scriptError: ErrorInfo | null;
}

export type FromEngine =
  | Shipment
  | { t: 'stderr'; text: string }
  /** a phase began at `at` (wall-clock ms) and must be over `limitMs` later */
  | { t: 'phase'; phase: EnginePhase; at: number; limitMs: number }
  | { t: 'setup'; json: string | undefined }
  /** the init code ran on this thread (or failed, which the main thread's own init then reports) */
  | { t: 'inited' }
  | EngineDone
  | { t: 'failed'; error: ErrorInfo }
  /** handleSummary returned (or threw, which the thread reported on stderr before this) */
  | { t: 'summarized'; outputs: SummaryOutputs };

export type ToEngine =
  | { t: 'init'; script: EngineScript }
  | { t: 'start'; start: EngineStart }
  | { t: 'abort'; why: AbortReason }
  /** run handleSummary with the summary's data; a thread that did not play the test configures its run first */
  | { t: 'summary'; data: SummaryData; options: Options };
