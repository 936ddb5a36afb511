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

/**
 * handleSummary's outputs by key (stdout, stderr or a file path); 'text': k6's text summary is printed instead;
 * 'none': what it returned is not a map of strings and ArrayBuffers, and k6 then writes nothing at all.
 */
export type SummaryOutputs = [key: string, content: string | Uint8Array][] | 'text' | 'none';

/** options.handleSummaryTimeout (or K6_HANDLE_SUMMARY_TIMEOUT), checked at start-up as k6 checks it. */
export function summaryLimitOf(options: Options): number {
  const v = options.handleSummaryTimeout;
  return v === undefined ? SUMMARY_LIMIT_MS : parseDuration(v, 'options.handleSummaryTimeout');
}

/** k6 takes a string or an ArrayBuffer (a Uint8Array exports as bytes too); undefined for anything else. */
function contentOf(value: unknown): string | Uint8Array | undefined {
  if (typeof value === 'string') return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (value instanceof Uint8Array) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  return undefined;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value;
}

/** k6's words for a result it cannot write (summary.go getSummaryResult), logged as the summary's failure. */
function refuse(rt: Runtime, why: string): 'none' {
  rt.stderr.write(`error: failed to handle the end-of-test summary: ${why}; nothing is written, as on k6\n`);
  return 'none';
}

/**
 * Calls handleSummary. A throw or a falsy result fall back to k6's text summary (k6-subset §1; k6's wrapper
 * tests `!result`), the error on the run's stderr, named with the script's file:line. Anything else that is not
 * a map of strings and ArrayBuffers makes k6 write nothing, not even the export: so here.
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
    return 'text';
  }
  if (!result) return 'text';
  if (typeof result !== 'object' || Array.isArray(result))
    return refuse(rt, `handleSummary() should return a map with string keys, not ${typeName(result)}`);
  const outputs: [string, string | Uint8Array][] = [];
  for (const [key, value] of Object.entries(result as Record<string, unknown>)) {
    const content = contentOf(value);
    if (content === undefined)
      return refuse(
        rt,
        `error handling summary object ${key}: invalid type ${typeName(value)}, it needs to be a string or ArrayBuffer`,
      );
    outputs.push([key, content]);
  }
  return outputs;
}

/** stdout and stderr to their streams, any other key to the file it names (written whole or not at all). */
export function writeSummaryOutputs(
  outputs: [key: string, content: string | Uint8Array][],
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
