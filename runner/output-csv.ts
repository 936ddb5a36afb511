import type { Metric, PointWriter, TagSet } from './metrics/registry.ts';
import { LineFile } from './output-file.ts';

/** k6's CSV columns: its default system tags in sorted order, then the rest of the tags in `extra_tags` */
const TAG_COLUMNS = [
  'check',
  'error',
  'error_code',
  'expected_response',
  'group',
  'method',
  'name',
  'proto',
  'scenario',
  'service',
  'status',
  'subproto',
  'tls_version',
  'url',
];
const COLUMN = new Set(TAG_COLUMNS);
/** high-cardinality tags k6 puts in `metadata` rather than in the columns or extra_tags */
const METADATA = new Set(['vu', 'iter']);

/** A field as Go's encoding/csv writes it: quoted when it holds a comma, quote or line break, or starts blank. */
function field(s: string): string {
  if (s === '' || !/[",\r\n]|^[ \t]/.test(s)) return s;
  return `"${s.replace(/"/g, '""')}"`;
}

/** `--out csv=F`: k6's CSV output with its default settings (unix-seconds timestamps). */
export class CsvOutput extends LineFile implements PointWriter {
  private readonly rows = new WeakMap<TagSet, string>();

  constructor(target: string, stdout: NodeJS.WritableStream) {
    super(target, stdout);
    this.write(`metric_name,timestamp,metric_value,${TAG_COLUMNS.join(',')},extra_tags,metadata\n`);
  }

  /** the tag part of a row, made once per tag set */
  private tagFields(tags: TagSet): string {
    let out = this.rows.get(tags);
    if (out !== undefined) return out;
    const t = tags.tags;
    const extra: string[] = [];
    const meta: string[] = [];
    for (const [k, v] of Object.entries(t)) {
      if (COLUMN.has(k)) continue;
      (METADATA.has(k) ? meta : extra).push(`${k}=${v}`);
    }
    out = [...TAG_COLUMNS.map((c) => field(t[c] ?? '')), field(extra.join('&')), field(meta.join('&'))].join(',');
    this.rows.set(tags, out);
    return out;
  }

  point(m: Metric, tags: TagSet, value: number, timeMs: number): void {
    const v = Number.isFinite(value) ? value : 0;
    this.write(`${m.name},${Math.floor(timeMs / 1000)},${v.toFixed(6)},${this.tagFields(tags)}\n`);
  }
}
