import { closeSync, createWriteStream, mkdirSync, openSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import type { Sample, SampleSummary } from './types.ts';

const round2 = (n: number) => Math.round(n * 100) / 100;

/**
 * The NDJSON file a sampler appends to, and the running figures of its summary. The file is opened when the
 * sampler starts, so a path that cannot be written fails there and not at stop().
 */
export class SampleFile {
  private readonly out: WriteStream;
  private writeError: Error | undefined;
  private samples = 0;
  private errors = 0;
  private firstTs: number | null = null;
  private lastTs: number | null = null;
  private costSum = 0;
  private costMax = 0;

  constructor(readonly file: string) {
    try {
      mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
      closeSync(openSync(file, 'a'));
    } catch (err) {
      throw new Error(`cannot write the samples to ${file}: ${(err as Error).message}`);
    }
    this.out = createWriteStream(file, { flags: 'a' });
    this.out.on('error', (err) => (this.writeError ??= err));
  }

  get written(): number {
    return this.samples;
  }

  append(line: Sample): void {
    // one write per line: the stream keeps whole lines in order, and end() flushes them
    this.out.write(`${JSON.stringify(line)}\n`);
    this.samples++;
    if (line.error !== undefined) this.errors++;
    this.firstTs ??= line.ts_ms;
    this.lastTs = line.ts_ms;
    this.costSum += line.sampler.ms;
    this.costMax = Math.max(this.costMax, line.sampler.ms);
  }

  async close(notes: string[]): Promise<SampleSummary> {
    await new Promise<void>((resolve) => this.out.end(resolve));
    if (this.writeError) throw new Error(`writing ${this.file} failed: ${this.writeError.message}`);
    return {
      file: this.file,
      samples: this.samples,
      errors: this.errors,
      first_ts_ms: this.firstTs,
      last_ts_ms: this.lastTs,
      cost_ms: { mean: this.samples ? round2(this.costSum / this.samples) : 0, max: round2(this.costMax) },
      notes: [...notes],
    };
  }
}
