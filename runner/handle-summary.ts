import writeFileAtomic from 'write-file-atomic';
import { describeError } from './errors.ts';
import type { Runtime } from './runtime.ts';
import type { SummaryData } from './summary.ts';

const TIME_LIMIT_MS = 120_000;

function contentOf(value: unknown): string | Buffer {
  if (typeof value === 'string') return value;
  if (value instanceof ArrayBuffer) return Buffer.from(value);
  if (ArrayBuffer.isView(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  return String(value);
}

/**
 * Calls handleSummary and writes what it returns. True when it took over the text summary; undefined or
 * a throw fall back to k6's text summary (k6-subset §1).
 */
export async function runHandleSummary(
  fn: (d: SummaryData) => unknown,
  data: SummaryData,
  stdout: NodeJS.WritableStream,
  stderr: NodeJS.WritableStream,
  rt: Runtime,
): Promise<boolean> {
  let result: unknown;
  try {
    let timer: NodeJS.Timeout | undefined;
    result = await Promise.race([
      Promise.resolve(fn(structuredClone(data))),
      new Promise((_r, reject) => {
        timer = setTimeout(() => reject(new Error('handleSummary() took longer than 120s')), TIME_LIMIT_MS);
      }),
    ]).finally(() => clearTimeout(timer));
  } catch (err) {
    rt.stderr.write(
      `error: handleSummary() failed: ${describeError(err)} at ${rt.errorLocation(err)}; printing the default summary\n`,
    );
    return false;
  }
  if (result === undefined || result === null) return false;
  if (typeof result !== 'object') {
    rt.stderr.write(
      `error: handleSummary() returned ${typeof result}; expected an object of {stdout|stderr|path: content}\n`,
    );
    return false;
  }
  for (const [key, value] of Object.entries(result as Record<string, unknown>)) {
    const content = contentOf(value);
    if (key === 'stdout') stdout.write(content);
    else if (key === 'stderr') stderr.write(content);
    else {
      try {
        writeFileAtomic.sync(key, content);
      } catch (err) {
        rt.stderr.write(`error: handleSummary() output '${key}' could not be written: ${describeError(err)}\n`);
      }
    }
  }
  return true;
}
