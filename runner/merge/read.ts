// Reads one instance's `--out json` file (k6's line format, plain or gzipped; the runner's or real k6's) line by
// line, so a file of millions of points is never held in memory whole. A missing, truncated or damaged file is
// one line naming it and what is wrong.
import { createReadStream, openSync, readSync, closeSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { EXIT, RunnerError, describeError } from '../errors.ts';
import type { MetricType, ValueType } from '../metrics/sinks.ts';
import { INSTANCE_META_FORMAT, type InstanceMeta } from '../segments/instance-meta.ts';

export interface MetricLine {
  name: string;
  type: MetricType;
  contains: ValueType;
  thresholds: string[];
}

export interface PointLine {
  metric: string;
  /** wall-clock ms */
  timeMs: number;
  value: number;
  tags: Record<string, string>;
}

export interface FileVisitor {
  metric(m: MetricLine): void;
  point(p: PointLine): void;
}

/** What one file held besides its points. */
export interface InstanceFile {
  file: string;
  meta: InstanceMeta | undefined;
  points: number;
  firstMs: number;
  lastMs: number;
  /** every threshold expression its Metric lines declared (real k6 writes the script's there too) */
  thresholds: Set<string>;
}

function badInput(file: string, why: string): RunnerError {
  return new RunnerError(`${file}: ${why}`, EXIT.usage);
}

function isGzip(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const head = Buffer.alloc(2);
    return readSync(fd, head, 0, 2, 0) === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    closeSync(fd);
  }
}

function metaOf(data: Record<string, unknown>, file: string): InstanceMeta | undefined {
  if (data.format !== INSTANCE_META_FORMAT) return undefined;
  for (const k of ['script', 'script_sha256', 'execution_segment', 'execution_segment_sequence'])
    if (typeof data[k] !== 'string') throw badInput(file, `its Metadata line has no '${k}' (a damaged file?)`);
  return data as unknown as InstanceMeta;
}

/** Reads `file`, handing each Metric and Point line to `visit`; what it learnt about the instance comes back. */
export async function readInstanceFile(file: string, visit: FileVisitor): Promise<InstanceFile> {
  const st = statSync(file, { throwIfNoEntry: false });
  if (!st) throw badInput(file, 'not found (give the --out json files of the instances)');
  if (!st.isFile()) throw badInput(file, 'is not a file (give the --out json files of the instances)');
  const out: InstanceFile = {
    file,
    meta: undefined,
    points: 0,
    firstMs: Infinity,
    lastMs: -Infinity,
    thresholds: new Set(),
  };
  const raw = createReadStream(file);
  const source = isGzip(file) ? raw.pipe(createGunzip()) : raw;
  let failure: unknown;
  source.on('error', (err: Error) => (failure = err));
  raw.on('error', (err) => (failure = err));
  const lines = createInterface({ input: source, crlfDelay: Infinity });
  let n = 0;
  try {
    for await (const line of lines) {
      n++;
      if (line.trim() === '') continue;
      let o: { type?: unknown; metric?: unknown; data?: Record<string, unknown> };
      try {
        o = JSON.parse(line);
      } catch {
        throw badInput(file, `line ${n} is not JSON (a truncated or damaged file?): ${line.slice(0, 60)}`);
      }
      const d = o.data ?? {};
      if (o.type === 'Point') {
        const timeMs = Date.parse(String(d.time));
        if (!Number.isFinite(timeMs) || typeof d.value !== 'number' || typeof o.metric !== 'string')
          throw badInput(file, `line ${n} is not a k6 Point (time, value, metric expected)`);
        out.points++;
        if (timeMs < out.firstMs) out.firstMs = timeMs;
        if (timeMs > out.lastMs) out.lastMs = timeMs;
        visit.point({ metric: o.metric, timeMs, value: d.value, tags: (d.tags as Record<string, string>) ?? {} });
      } else if (o.type === 'Metric') {
        const thresholds = Array.isArray(d.thresholds) ? d.thresholds.map(String) : [];
        for (const t of thresholds) out.thresholds.add(`${String(d.name)}: ${t}`);
        visit.metric({
          name: String(d.name),
          type: d.type as MetricType,
          contains: (d.contains as ValueType) ?? 'default',
          thresholds,
        });
      } else if (o.type === 'Metadata') out.meta = metaOf(d, file);
    }
  } catch (err) {
    if (err instanceof RunnerError) throw err;
    failure = err;
  }
  if (failure !== undefined) {
    const msg = describeError(failure);
    throw badInput(
      file,
      /unexpected end of file/i.test(msg)
        ? 'the gzip stream ends early (a truncated file: was the instance stopped while writing?)'
        : `cannot be read: ${msg}`,
    );
  }
  if (out.points === 0) throw badInput(file, 'holds no k6 Point lines (is it a --out json file of a run?)');
  return out;
}
