// Before one verdict is given over several files: they must come from runs of the same script, and their execution
// segments must not overlap (two instances that ran the same part would count it twice). The runner's files say
// both in their Metadata line; real k6's files say neither, so for them the script is recognised by the
// thresholds their Metric lines declare, and their segments cannot be checked (said in a note).
import path from 'node:path';
import { EXIT, RunnerError } from '../errors.ts';
import { add, cmp, ONE, ratString, sub, ZERO, type Rat } from '../segments/rational.ts';
import { parseSegment, type Segment } from '../segments/segment.ts';
import type { ThresholdGroup } from '../thresholds.ts';
import type { InstanceFile } from './read.ts';

function refuse(message: string): never {
  throw new RunnerError(message, EXIT.usage);
}

/** Each file is of `script` (by its hash, or for k6's files by the thresholds it declares). */
export function checkSameScript(
  files: InstanceFile[],
  script: { file: string; sha256: string },
  thresholds: ThresholdGroup[],
): void {
  const name = path.basename(script.file);
  const declared = new Set(thresholds.flatMap((g) => g.thresholds.map((t) => `${g.metric.name}: ${t.source}`)));
  for (const f of files) {
    if (f.meta !== undefined) {
      if (f.meta.script_sha256 !== script.sha256)
        refuse(
          `${f.file} is from a run of '${f.meta.script}' (sha256 ${f.meta.script_sha256.slice(0, 12)}), not of '${name}' (sha256 ${script.sha256.slice(0, 12)}): merge the files of one script (and one version of it) at a time`,
        );
      continue;
    }
    const foreign = [...f.thresholds].find((t) => !declared.has(t));
    if (foreign !== undefined)
      refuse(`${f.file} declares the threshold '${foreign}', which '${name}' does not: a run of another script?`);
  }
}

/** What the segments of the files cover; refuses two that overlap or were striped by different sequences. */
export function checkSegments(files: InstanceFile[]): { covered: Rat; notes: string[] } {
  const notes: string[] = [];
  const known = files.filter((f) => f.meta !== undefined);
  for (const f of files)
    if (f.meta === undefined)
      notes.push(`${f.file} names no execution segment (k6 writes none): not checked for overlap with the others`);
  const withSeg = known.map((f) => ({ f, seg: parseSegment(f.meta!.execution_segment, `${f.file}'s segment`) }));
  const sequences = new Set(known.map((f) => f.meta!.execution_segment_sequence));
  const sorted = [...withSeg].sort((a, b) => cmp(a.seg.from, b.seg.from));
  for (let i = 1; i < sorted.length; i++) {
    const [a, b] = [sorted[i - 1], sorted[i]];
    if (cmp(b.seg.from, a.seg.to) < 0)
      refuse(
        `${a.f.file} (segment ${a.f.meta!.execution_segment}) and ${b.f.file} (segment ${b.f.meta!.execution_segment}) overlap: both ran that part of the test, so merging would count it twice`,
      );
  }
  if (sequences.size > 1)
    refuse(
      `the files were split by different segment sequences (${[...sequences].join(' and ')}): their shares are striped differently and do not add up to one test`,
    );
  const covered = withSeg.reduce((acc, { seg }) => add(acc, lengthOf(seg)), ZERO);
  if (known.length === files.length && cmp(covered, ONE) < 0)
    notes.push(
      `the segments cover ${ratString(covered)} of the test: the metrics and the verdict are over that part only`,
    );
  return { covered, notes };
}

const lengthOf = (s: Segment): Rat => sub(s.to, s.from);
