// What an instance's `--out json` file says about itself, so that files from several instances can be merged
// safely: which script (its name and a hash of its text) and which execution segment of the test. k6 writes only
// Metric and Point lines; this is one more line of its own type first, which readers of k6's format that pick
// lines by type (as k6's docs show with jq) pass over.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { segmentString, sequenceString, type ExecutionTuple } from './segment.ts';

export const INSTANCE_META_FORMAT = 'loadlab.k6-json-instance/v1';

export interface InstanceMeta {
  format: typeof INSTANCE_META_FORMAT;
  /** the script's file name */
  script: string;
  /** sha256 of the script's file, hex */
  script_sha256: string;
  /** this instance's segment, `from:to` (`0:1` for the whole test) */
  execution_segment: string;
  /** the sequence it was striped in, `0,...,1` */
  execution_segment_sequence: string;
  /** when the instance started, RFC3339 */
  started: string;
}

export function scriptSha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

export function instanceMeta(scriptFile: string, tuple: ExecutionTuple): InstanceMeta {
  return {
    format: INSTANCE_META_FORMAT,
    script: path.basename(scriptFile),
    script_sha256: scriptSha256(scriptFile),
    execution_segment: segmentString(tuple.segment),
    execution_segment_sequence: sequenceString(tuple.sequenceSegments()),
    started: new Date().toISOString(),
  };
}

export function metadataLine(meta: InstanceMeta): string {
  return `${JSON.stringify({ type: 'Metadata', data: meta })}\n`;
}
