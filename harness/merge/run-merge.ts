// load:merge: the runner's `merge` entry does the merging and the threshold verdict (it owns the metric sinks,
// thresholds and summary, and the harness never imports the runner), so it runs as a child here, as `npm run load`
// does, and its lines go straight to the terminal.
import { onCleanup } from '../process/cleanup.ts';
import { prepareEntry } from '../process/compiled-entry.ts';
import { projectCommand, stopTree } from '../process/service.ts';

export const MERGE_ENTRY = 'runner/merge/cli.ts';

/** Runs the merge; its exit code (0, 99 when a threshold failed over the whole, 1 for bad input). */
export async function runMerge(args: string[]): Promise<number> {
  await prepareEntry(MERGE_ENTRY);
  const p = projectCommand(MERGE_ENTRY, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  const unregister = onCleanup('merge', () => stopTree(p));
  const out = await p;
  unregister();
  return out.exitCode ?? 1;
}
