// The commands, once: `loadlab --help` lists them, `loadlab NAME` runs the npm script's file, and each
// command's --help starts with its line here. A new command is one line below (its file comes from
// package.json's script of the same npm name; test/unit/cli-help.test.ts checks the two agree).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../files/paths.ts';

export interface CommandEntry {
  /** the subcommand: `loadlab NAME` */
  name: string;
  /** the npm script that runs the same file: `npm run NPM` */
  npm: string;
  /** one line for `loadlab --help` and the top of the command's own help */
  summary: string;
  /** only in a checkout (benchmarks need the development dependencies): not a `loadlab` subcommand */
  checkoutOnly?: boolean;
  /** keeps no state (no database): the start line about where data lives is left out */
  stateless?: boolean;
}

const c = (name: string, npm: string, summary: string, more?: Partial<CommandEntry>): CommandEntry => ({
  name,
  npm,
  summary,
  ...more,
});

export const COMMANDS: readonly CommandEntry[] = [
  c('incident', 'load:incident', 'replay the incident: 3x visitors before and after the fix, with the DB I/O'),
  c('timeline', 'load:timeline', "the incident day: the hot shop and other tenants through the operators' steps"),
  c('partition', 'load:partition', 'the 06-27 partial network partition, then a check for lost or doubled orders'),
  c('capacity', 'load:capacity', 'per variant and series size, the highest arrival rate that meets the SLO'),
  c('review', 'capacity:review', 'a capacity review: traffic against each curve, the limits, a validated projection'),
  c('audit', 'audit:growth', 'growth audit: statements whose work per call grows with the number of dates'),
  c('gate', 'gate', 'CI performance gate: the growth audit, then a short 3x replay against the thresholds'),
  c('load', 'load', 'run one k6 script with the embedded k6-compatible runner', { stateless: true }),
  c('merge', 'load:merge', "one verdict over several instances' k6 JSON outputs (segments, k6-operator pods)", {
    stateless: true,
  }),
  c('shop', 'shop', 'the pretix-shaped shop alone, on 127.0.0.1'),
  c('diagnose', 'diagnose', 'live diagnosis of running servers: the cause, its tenant and the symptoms'),
  c('explain', 'explain', 'EXPLAIN (ANALYZE, BUFFERS) of the product-list query of one date'),
  c('dataset', 'dataset:prepare', 'create the schema and seed (or reuse) a dataset preset'),
  c('db-stats', 'db:stats', "sample the database's I/O statistics to NDJSON"),
  c('report', 'report', "re-render a run folder's report.md and report.html", { stateless: true }),
  c('bench-shop', 'bench:shop', 'product-list requests/s of each variant, side by side', { checkoutOnly: true }),
  c('bench-seed', 'bench:seed', 'seeding rows/s against pgbench -i on the same server', { checkoutOnly: true }),
];

export function commandByNpm(npm: string): CommandEntry {
  const entry = COMMANDS.find((c) => c.npm === npm);
  if (!entry) throw new Error(`npm script '${npm}' has no line in harness/cli/commands.ts`);
  return entry;
}

/** The subcommands `loadlab` runs: every command but the benchmarks. */
export function binCommands(): CommandEntry[] {
  return COMMANDS.filter((c) => !c.checkoutOnly);
}

/**
 * The file an npm script runs (`tsx scripts/x.ts` or `node --import tsx runner/cli.ts` -> the .ts file), from
 * package.json, relative to the project.
 */
export function scriptFile(npm: string): string {
  const pkg = JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as {
    scripts?: Record<string, string>;
  };
  const line = pkg.scripts?.[npm];
  const file = line?.match(/^(?:tsx|node --import tsx)\s+(\S+\.ts)(\s|$)/)?.[1];
  if (!file)
    throw new Error(
      `package.json script '${npm}' is not 'tsx FILE.ts' nor 'node --import tsx FILE.ts' (it is '${line ?? 'missing'}')`,
    );
  return file;
}
