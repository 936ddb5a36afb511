import type { Metric, PointWriter, TagSet } from './metrics/registry.ts';
import { LineFile } from './output-file.ts';

/** RFC3339 with nanoseconds, from wall-clock ms that carry a sub-ms fraction. */
export function rfc3339Nano(ms: number): string {
  const whole = Math.floor(ms);
  const iso = new Date(whole).toISOString(); // 2026-11-25T13:47:00.123Z
  const nanos = Math.round((ms - whole) * 1e6);
  return `${iso.slice(0, 23)}${String(nanos).padStart(6, '0').slice(0, 6)}Z`;
}

/** `--out json=F`: k6's line format. */
export class JsonOutput extends LineFile implements PointWriter {
  private readonly announced = new Set<number>();

  constructor(
    target: string,
    private readonly describe: (m: Metric) => { thresholds: string[]; submetrics: string[] },
    stdout: NodeJS.WritableStream,
    /** a first line naming the instance (segments/instance-meta.ts) */
    header?: string,
  ) {
    super(target, stdout);
    if (header !== undefined) this.write(header);
  }

  point(m: Metric, tags: TagSet, value: number, timeMs: number): void {
    let out = '';
    if (!this.announced.has(m.id)) {
      this.announced.add(m.id);
      const d = this.describe(m);
      out += `{"type":"Metric","data":{"name":${JSON.stringify(m.name)},"type":"${m.type}","contains":"${m.contains}","thresholds":${JSON.stringify(d.thresholds)},"submetrics":${JSON.stringify(d.submetrics)}},"metric":${JSON.stringify(m.name)}}\n`;
    }
    tags.json ??= JSON.stringify(tags.tags);
    this.write(
      `${out}{"metric":"${m.name}","type":"Point","data":{"time":"${rfc3339Nano(timeMs)}","value":${Number.isFinite(value) ? value : 0},"tags":${tags.json}}}\n`,
    );
  }
}
