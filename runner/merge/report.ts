// What a merge prints and writes: which instances and time ranges it merged, the summary, the export, and
// `merge.json` for the harness (its report of a merged run reads only that and the export).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { checkWritable } from '../outputs.ts';
import { autoKeysOf, exportFormat, renderText } from '../summary.ts';
import type { Merged } from './merge.ts';

export const MERGE_SCHEMA = 'loadlab.merge/v1';

const clock = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').slice(0, 23);
const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** The lines saying what was merged: one per instance, then the whole. */
export function describeMerge(m: Merged): string {
  const name = path.basename(m.script.file);
  const lines = [`merged ${m.instances.length} instance file(s) of ${name} (sha256 ${m.script.sha256.slice(0, 12)}):`];
  for (const f of m.instances) {
    const seg = f.meta
      ? `segment ${f.meta.execution_segment} of ${f.meta.execution_segment_sequence}`
      : 'segment not recorded';
    lines.push(
      `  ${f.file}: ${seg}, ${clock(f.firstMs)} .. ${clock(f.lastMs)} UTC (${secs(f.lastMs - f.firstMs)}), ${f.points} points`,
    );
  }
  lines.push(`  the whole: ${clock(m.firstMs)} .. ${clock(m.lastMs)} UTC (${secs(m.lastMs - m.firstMs)})`);
  for (const n of m.notes) lines.push(`note: ${n}`);
  return `${lines.join('\n')}\n`;
}

export function summaryText(m: Merged): string {
  return renderText(m.summary, autoKeysOf(m.registry));
}

/** `merge.json`: the instances, the time range and each threshold's verdict over the whole. */
export function mergeRecord(m: Merged): Record<string, unknown> {
  return {
    schema: MERGE_SCHEMA,
    script: path.basename(m.script.file),
    script_sha256: m.script.sha256,
    instances: m.instances.map((f) => ({
      file: f.file,
      execution_segment: f.meta?.execution_segment ?? null,
      execution_segment_sequence: f.meta?.execution_segment_sequence ?? null,
      first: new Date(f.firstMs).toISOString(),
      last: new Date(f.lastMs).toISOString(),
      points: f.points,
    })),
    first: new Date(m.firstMs).toISOString(),
    last: new Date(m.lastMs).toISOString(),
    duration_ms: m.lastMs - m.firstMs,
    notes: m.notes,
    thresholds: m.thresholds.flatMap((g) =>
      g.thresholds.map((t) => ({ metric: g.key, threshold: t.source, ok: t.ok })),
    ),
    thresholds_failed: m.thresholdsFailed,
  };
}

/** Checked before the files are read, so a wrong path costs no merge. */
export function checkTargets(summaryExport: string | undefined, outDir: string | undefined): void {
  if (summaryExport) checkWritable('--summary-export', summaryExport);
  if (outDir) checkWritable('--out', path.join(outDir, 'merge.json'));
}

export function writeResults(m: Merged, summaryExport: string | undefined, outDir: string | undefined): string[] {
  const written: string[] = [];
  const json = (file: string, value: unknown) => {
    writeFileAtomic.sync(file, `${JSON.stringify(value, null, 2)}\n`);
    written.push(file);
  };
  if (summaryExport) json(summaryExport, exportFormat(m.summary));
  if (outDir) {
    mkdirSync(outDir, { recursive: true });
    json(path.join(outDir, 'k6-summary.json'), exportFormat(m.summary));
    json(path.join(outDir, 'merge.json'), mergeRecord(m));
    writeFileAtomic.sync(path.join(outDir, 'summary.txt'), `${describeMerge(m)}${summaryText(m)}`);
    written.push(path.join(outDir, 'summary.txt'));
  }
  return written;
}
