// handleSummary(data), in two halves: the call, on the thread that holds the script's init context
// (engine/summary-thread.ts says why that is never the main thread), and the writing of what it returned, on
// the main thread, which owns stdout, stderr and the summary export.
import writeFileAtomic from 'write-file-atomic';
import type { Options } from './config.ts';
import { parseDuration } from './duration.ts';
import { describeError } from './errors.ts';
import type { Runtime } from './runtime.ts';
import type { SummaryData } from './summary.ts';

/** k6's limit on handleSummary (120 s; the option handleSummaryTimeout since k6 v2.2). */
export const SUMMARY_LIMIT_MS = 120_000;

/** handleSummary's outputs by key (stdout, stderr or a file path); null: k6's text summary is printed instead. */
export type SummaryOutputs = [key: string, content: string | Uint8Array][] | null;

/** options.handleSummaryTimeout (or K6_HANDLE_SUMMARY_TIMEOUT), checked at start-up as k6 checks it. */
export function summaryLimitOf(options: Options): number {
  const v = options.handleSummaryTimeout;
  return v === undefined ? SUMMARY_LIMIT_MS : parseDuration(v, 'options.handleSummaryTimeout');
}

function contentOf(value: unknown): string | Uint8Array {
  if (typeof value === 'string') return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  return String(value);
}

/**
 * Calls handleSummary. Undefined, null or a throw fall back to k6's text summary (k6-subset §1); the error
 * goes to the run's stderr, named with the script's file:line.
 */
export async function callHandleSummary(
  fn: (d: SummaryData) => unknown,
  data: SummaryData,
  rt: Runtime,
): Promise<SummaryOutputs> {
  let result: unknown;
  try {
    result = await fn(data);
  } catch (err) {
    rt.stderr.write(
      `error: handleSummary() failed: ${describeError(err)} at ${rt.errorLocation(err)}; printing the default summary\n`,
    );
    return null;
  }
  if (result === undefined || result === null) return null;
  if (typeof result !== 'object') {
    rt.stderr.write(
      `error: handleSummary() returned ${typeof result}; expected an object of {stdout|stderr|path: content}\n`,
    );
    return null;
  }
  return Object.entries(result as Record<string, unknown>).map(([key, value]) => [key, contentOf(value)]);
}

/** stdout and stderr to their streams, any other key to the file it names (written whole or not at all). */
export function writeSummaryOutputs(
  outputs: NonNullable<SummaryOutputs>,
  stdout: NodeJS.WritableStream,
  stderr: NodeJS.WritableStream,
): void {
  for (const [key, value] of outputs) {
    // a structured clone turns a Buffer into a plain Uint8Array
    const content = typeof value === 'string' ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    if (key === 'stdout') stdout.write(content);
    else if (key === 'stderr') stderr.write(content);
    else {
      try {
        writeFileAtomic.sync(key, content);
      } catch (err) {
        stderr.write(`error: handleSummary() output '${key}' could not be written: ${describeError(err)}\n`);
      }
    }
  }
}
