// npm run bench:budgets: the time budgets the tests used to assert, measured where a busy machine cannot fail a
// behaviour test with them. Run it on a quiet machine: it plays the commands as a user does, one after another,
// on a data folder of its own, into a temporary folder it removes, and exits 1 when a figure is over its budget.
//   - load:incident --preset tiny --quick in under 120 s, and the DB sampler under 50 ms per sample in it
//   - load:timeline --preset tiny --quick in under 180 s
//   - dataset:prepare reusing a seeded preset in under 2 s (its own figure, without the command's start-up)
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stateDir } from '../../harness/files/paths.ts';
import type { Sample } from '../../harness/stats/types.ts';
import { runCli } from '../helpers/processes.ts';

interface Figure {
  what: string;
  value: number;
  budget: number;
  unit: string;
}

const dataDir = path.join(stateDir, 'bench-budgets-pgdata');
const env = { LOADLAB_PGDATA: dataDir };
const tmp = mkdtempSync(path.join(os.tmpdir(), 'loadlab-budgets-'));
// Ctrl-C reaches the running command too (one process group): it stops itself; the folder goes here
process.once('SIGINT', () => {
  rmSync(tmp, { recursive: true, force: true });
  process.exit(130);
});

/** Runs `npm run <script> -- args`; a failed command ends the benchmark with its last lines. */
async function timed(script: string, args: string[]): Promise<{ seconds: number; stdout: string }> {
  const t0 = performance.now();
  const r = await runCli(script, args, env);
  const seconds = (performance.now() - t0) / 1000;
  if (r.code !== 0) throw new Error(`${script} ${args.join(' ')} failed (exit ${r.code}): ${r.stderr.slice(-1500)}`);
  return { seconds, stdout: r.stdout };
}

/** the sampler's mean wall time per sample over every db-samples file of a run folder */
function samplerMeanMs(folder: string): number {
  const costs = readdirSync(folder)
    .filter((f) => /^db-samples.*\.ndjson$/.test(f))
    .flatMap((f) => readFileSync(path.join(folder, f), 'utf8').split('\n').filter(Boolean))
    .map((line) => (JSON.parse(line) as Sample).sampler.ms);
  return costs.reduce((s, x) => s + x, 0) / costs.length;
}

async function measure(): Promise<Figure[]> {
  const figures: Figure[] = [];
  // seeded first, so that the timed runs below reuse it as the tests' runs do
  await timed('dataset:prepare', ['--preset', 'tiny']);
  const reuse = await timed('dataset:prepare', ['--preset', 'tiny']);
  const own = /^reused preset tiny: .* in ([\d.]+) s$/m.exec(reuse.stdout);
  if (!own) throw new Error(`dataset:prepare did not reuse the preset: ${reuse.stdout}`);
  figures.push({ what: 'dataset:prepare reusing tiny', value: Number(own[1]), budget: 2, unit: 's' });

  const incident = path.join(tmp, 'incident');
  const ri = await timed('load:incident', ['--preset', 'tiny', '--quick', '--out', incident]);
  figures.push({ what: 'load:incident --preset tiny --quick', value: ri.seconds, budget: 120, unit: 's' });
  figures.push({
    what: 'DB sampler, per sample (incident run)',
    value: samplerMeanMs(incident),
    budget: 50,
    unit: 'ms',
  });

  const rt = await timed('load:timeline', ['--preset', 'tiny', '--quick', '--out', path.join(tmp, 'timeline')]);
  figures.push({ what: 'load:timeline --preset tiny --quick', value: rt.seconds, budget: 180, unit: 's' });
  return figures;
}

try {
  const figures = await measure();
  const over = figures.filter((f) => f.value >= f.budget);
  console.log(`budgets on ${os.cpus().length} CPUs, load average ${os.loadavg()[0].toFixed(1)} at the end:`);
  for (const f of figures)
    console.log(
      `  ${f.what}: ${f.value.toFixed(f.unit === 's' ? 1 : 2)} ${f.unit} (budget ${f.budget} ${f.unit})${f.value >= f.budget ? '  OVER' : ''}`,
    );
  process.exitCode = over.length > 0 ? 1 : 0;
} catch (err) {
  console.error(`error: ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
