import { randomBytes } from 'node:crypto';
import { createWriteStream, openSync, renameSync, rmSync, type WriteStream } from 'node:fs';
import { createGzip, type Gzip } from 'node:zlib';
import type { Metric, PointWriter, TagSet } from './metrics/registry.ts';

/** RFC3339 with nanoseconds, from wall-clock ms that carry a sub-ms fraction. */
export function rfc3339Nano(ms: number): string {
  const whole = Math.floor(ms);
  const iso = new Date(whole).toISOString(); // 2026-11-25T13:47:00.123Z
  const nanos = Math.round((ms - whole) * 1e6);
  return `${iso.slice(0, 23)}${String(nanos).padStart(6, '0').slice(0, 6)}Z`;
}

/**
 * `--out json=F`: k6's line format. Lines are batched into large writes; the file is written under a
 * unique temporary name and renamed when complete, so a reader never sees half a run as if it were whole.
 * The temporary file goes away when the run fails or the process exits before that.
 */
export class JsonOutput implements PointWriter {
  private buf = '';
  private readonly announced = new Set<number>();
  private readonly stream: NodeJS.WritableStream;
  private readonly file: WriteStream | null;
  private readonly gzip: Gzip | null;
  private readonly tmp: string | null;
  private readonly removeTmp = (): void => {
    if (this.tmp) rmSync(this.tmp, { force: true });
  };

  constructor(
    private readonly target: string,
    private readonly describe: (m: Metric) => { thresholds: string[]; submetrics: string[] },
    stdout: NodeJS.WritableStream,
  ) {
    if (target === '-') {
      this.stream = stdout;
      this.file = null;
      this.gzip = null;
      this.tmp = null;
      return;
    }
    this.tmp = `${target}.partial-${process.pid}-${randomBytes(4).toString('hex')}`;
    // opened here, synchronously: a path that cannot be written fails before the test starts
    this.file = createWriteStream(this.tmp, { fd: openSync(this.tmp, 'w') });
    process.once('exit', this.removeTmp);
    if (target.endsWith('.gz')) {
      this.gzip = createGzip();
      this.gzip.pipe(this.file);
      this.stream = this.gzip;
    } else {
      this.gzip = null;
      this.stream = this.file;
    }
  }

  point(m: Metric, tags: TagSet, value: number, timeMs: number): void {
    if (!this.announced.has(m.id)) {
      this.announced.add(m.id);
      const d = this.describe(m);
      this.buf += `{"type":"Metric","data":{"name":${JSON.stringify(m.name)},"type":"${m.type}","contains":"${m.contains}","thresholds":${JSON.stringify(d.thresholds)},"submetrics":${JSON.stringify(d.submetrics)}},"metric":${JSON.stringify(m.name)}}\n`;
    }
    tags.json ??= JSON.stringify(tags.tags);
    this.buf += `{"metric":"${m.name}","type":"Point","data":{"time":"${rfc3339Nano(timeMs)}","value":${Number.isFinite(value) ? value : 0},"tags":${tags.json}}}\n`;
    if (this.buf.length > 1 << 16) this.flush();
  }

  flush(): void {
    if (this.buf.length === 0) return;
    this.stream.write(this.buf);
    this.buf = '';
  }

  /** Writes the rest and puts the file in place. An interrupted run keeps its points: they are whole lines. */
  async close(): Promise<void> {
    this.flush();
    if (this.file === null) return;
    await this.end();
    renameSync(this.tmp!, this.target);
    process.removeListener('exit', this.removeTmp);
  }

  /** The run failed: no file, and no temporary one left behind. */
  async discard(): Promise<void> {
    if (this.file === null) return;
    await this.end().catch(() => {});
    this.removeTmp();
    process.removeListener('exit', this.removeTmp);
  }

  private end(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.file!.on('close', resolve);
      this.file!.on('error', reject);
      (this.gzip ?? this.file)!.end();
    });
  }
}
