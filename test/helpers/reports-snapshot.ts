// What the user's reports/ and .env look like, so the whole suite can prove it left them as they were: every
// command a test runs is told --out a folder of its own, and reports/latest must keep opening the user's last run
// however many test runs finish after it (issue 17).
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, symlinkSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { projectRoot, reportsDir } from '../../harness/files/paths.ts';

/** every entry under reports/ with what identifies it (a link's target, a file's size and time), and .env's hash */
export type ReportsSnapshot = Map<string, string>;

function walk(dir: string, out: ReportsSnapshot): void {
  if (!existsSync(dir)) return;
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    const rel = path.relative(projectRoot, full);
    const st = lstatSync(full);
    if (st.isSymbolicLink()) out.set(rel, `link -> ${readlinkSync(full)}`);
    else if (st.isDirectory()) {
      out.set(rel, 'folder');
      walk(full, out);
    } else out.set(rel, `file ${st.size} bytes, modified ${st.mtimeMs}`);
  }
}

export function snapshotReports(): ReportsSnapshot {
  const out: ReportsSnapshot = new Map();
  walk(reportsDir, out);
  const envFile = path.join(projectRoot, '.env');
  out.set('.env', existsSync(envFile) ? createHash('sha256').update(readFileSync(envFile)).digest('hex') : 'absent');
  return out;
}

/** one line per entry that appeared, went or changed between two snapshots */
export function reportsChanges(before: ReportsSnapshot, after: ReportsSnapshot): string[] {
  const lines: string[] = [];
  for (const [rel, was] of before) {
    const now = after.get(rel);
    if (now === undefined) lines.push(`${rel}: gone (was ${was})`);
    else if (now !== was) lines.push(`${rel}: ${was} -> ${now}`);
  }
  for (const [rel, now] of after) if (!before.has(rel)) lines.push(`${rel}: new (${now})`);
  return lines;
}

/** should a command still move a link, put it back: the suite must not leave the damage it detects */
export function restoreLinks(before: ReportsSnapshot): void {
  for (const [rel, now] of snapshotReports()) {
    if (!now.startsWith('link -> ') || before.get(rel) === now) continue;
    const full = path.join(projectRoot, rel);
    unlinkSync(full);
    const was = before.get(rel);
    if (was?.startsWith('link -> ')) symlinkSync(was.slice('link -> '.length), full);
  }
}
