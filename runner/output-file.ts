import { randomBytes } from 'node:crypto';
import { createWriteStream, openSync, renameSync, rmSync, type WriteStream } from 'node:fs';
import { createGzip, type Gzip } from 'node:zlib';

/**
 * A file of lines that an output writes (`--out json=F`, `--out csv=F`). Lines are batched into large writes;
 * the file is written under a unique temporary name and renamed when complete, so a reader never sees half a
 * run as if it were whole. The temporary file goes away when the run fails or the process exits before that.
 */
export class LineFile {
  private buf = '';
  private readonly stream: NodeJS.WritableStream;
  private readonly file: WriteStream | null;
  private readonly gzip: Gzip | null;
  private readonly tmp: string | null;
  private readonly removeTmp = (): void => {
    if (this.tmp) rmSync(this.tmp, { force: true });
  };

  constructor(
    private readonly target: string,
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

  protected write(text: string): void {
    this.buf += text;
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
