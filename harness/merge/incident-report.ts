// The incident report of a merged run (the instances ran loadtests/incident.ts): per phase and per endpoint, the
// requests of every instance counted the one way every mode counts them (load/request-figures.ts), beside the
// thresholds' verdicts over the whole. Built only from the files the merge wrote (merge.json) and the instances'
// outputs it names. A split run has no database samples: the report says so instead of showing empty columns.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { z } from 'zod';
import { readJsonFile } from '../files/json-file.ts';
import { projectRoot } from '../files/paths.ts';
import { INCIDENT_SCRIPT } from '../load/incident-script.ts';
import { readLoadPoints, type RequestPoint } from '../load/k6-points.ts';
import { byName, requestFigures, type RequestFigures } from '../load/request-figures.ts';

const mergeRecord = z.object({
  schema: z.literal('loadlab.merge/v1'),
  script: z.string(),
  script_sha256: z.string(),
  instances: z.array(
    z.object({ file: z.string(), execution_segment: z.string().nullable(), first: z.string(), last: z.string() }),
  ),
  first: z.string(),
  last: z.string(),
  thresholds: z.array(z.object({ metric: z.string(), threshold: z.string(), ok: z.boolean() })),
  thresholds_failed: z.boolean(),
});
export type MergeRecord = z.infer<typeof mergeRecord>;

export function readMergeRecord(dir: string): MergeRecord {
  return readJsonFile(path.join(dir, 'merge.json'), mergeRecord, 'a merge.json written by load:merge');
}

/** The merged script is this project's incident script (by content, wherever the instances had it). */
export function isIncidentScript(record: MergeRecord, root = projectRoot): boolean {
  const sha = createHash('sha256')
    .update(readFileSync(path.join(root, INCIDENT_SCRIPT)))
    .digest('hex');
  return record.script_sha256 === sha;
}

const PHASES = ['baseline', 'ramp', 'tripled'];
const cell = (v: number | null, unit = ''): string => (v === null ? 'n/a' : `${v.toLocaleString('en-US')}${unit}`);
const pct = (v: number | null): string => (v === null ? 'n/a' : `${(v * 100).toFixed(2)} %`);
const row = (label: string, f: RequestFigures, dropped: number): string =>
  `| ${label} | ${f.count.toLocaleString('en-US')} | ${cell(f.p95_ms, ' ms')} | ${pct(f.failed_rate)} | ${dropped} |`;

export interface MergedIncident {
  phases: { name: string; requests: RequestFigures; dropped: number; endpoints: [string, RequestFigures][] }[];
}

/** Per phase (the script's scenarios) and endpoint, over every instance's requests. */
export async function mergedIncidentFigures(record: MergeRecord): Promise<MergedIncident> {
  const requests: RequestPoint[] = [];
  const dropped = new Map<string, number>();
  for (const inst of record.instances) {
    const points = await readLoadPoints(inst.file);
    for (const r of points.requests) requests.push(r);
    for (const d of points.dropped) dropped.set(d.scenario, (dropped.get(d.scenario) ?? 0) + d.value);
  }
  const names = [...new Set(requests.map((r) => r.scenario))].sort(
    (a, b) => (PHASES.indexOf(a) + 1 || 99) - (PHASES.indexOf(b) + 1 || 99) || a.localeCompare(b),
  );
  return {
    phases: names.map((name) => {
      const mine = requests.filter((r) => r.scenario === name);
      return {
        name,
        requests: requestFigures(mine),
        dropped: dropped.get(name) ?? 0,
        endpoints: byName(mine).map(([n, list]) => [n, requestFigures(list)] as [string, RequestFigures]),
      };
    }),
  };
}

export function renderMergedIncident(record: MergeRecord, figures: MergedIncident): string {
  const lines = [
    `# Incident replay, merged from ${record.instances.length} instances`,
    '',
    `Script \`${record.script}\`, ${record.first} .. ${record.last}. Instances:`,
    '',
    ...record.instances.map(
      (i) => `- \`${i.file}\`: segment ${i.execution_segment ?? 'not recorded'}, ${i.first} .. ${i.last}`,
    ),
    '',
    '## Phases',
    '',
    '| phase | requests | p95 | failed | dropped visitors |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...figures.phases.map((p) => row(p.name, p.requests, p.dropped)),
    '',
    '## Endpoints per phase',
    '',
    '| phase | endpoint | requests | p95 | failed |',
    '| --- | --- | ---: | ---: | ---: |',
    ...figures.phases.flatMap((p) =>
      p.endpoints.map(
        ([n, f]) =>
          `| ${p.name} | ${n} | ${f.count.toLocaleString('en-US')} | ${cell(f.p95_ms, ' ms')} | ${pct(f.failed_rate)} |`,
      ),
    ),
    '',
    `## Thresholds over the whole: ${record.thresholds_failed ? 'FAILED' : 'passed'}`,
    '',
    ...record.thresholds.map((t) => `- ${t.ok ? 'passed' : 'FAILED'}: \`${t.metric}\` ${t.threshold}`),
    '',
    'The database was not sampled (the instances ran apart from the harness), so this report has no I/O figures.',
    '',
  ];
  return lines.join('\n');
}

/** Writes `report.md` into the merge's folder when the merged script is the incident script; its path, or null. */
export async function writeMergedIncidentReport(dir: string, root = projectRoot): Promise<string | null> {
  const record = readMergeRecord(dir);
  if (!isIncidentScript(record, root)) return null;
  const file = path.join(dir, 'report.md');
  writeFileAtomic.sync(file, renderMergedIncident(record, await mergedIncidentFigures(record)));
  return file;
}
