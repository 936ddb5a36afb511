// merge.json as the runner's merge entry writes it (loadlab.merge/v1): the instances, their segments and time ranges,
// the verdicts over the whole. The harness reads it back rather than importing the runner.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { readJsonFile } from '../files/json-file.ts';
import { projectRoot } from '../files/paths.ts';
import { INCIDENT_SCRIPT } from '../load/incident-script.ts';

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
