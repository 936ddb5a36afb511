// `npm run load:merge` runs this as a child: one verdict over several instances' `--out json` files, with k6's
// exit codes (99 when a threshold fails over the whole; 1 for bad input, in one line).
import { parseArgs } from 'node:util';
import { EXIT, exitWith, RunnerError, describeError } from '../errors.ts';
import { mergeOutputs } from './merge.ts';
import { checkTargets, describeMerge, summaryText, writeResults } from './report.ts';

const USAGE = '--script S [--summary-export F] [--out DIR] [-e K=V]... FILE...';

function usage(message: string): RunnerError {
  return new RunnerError(`${message} (usage: ${USAGE})`, EXIT.usage);
}

async function main(argv: string[]): Promise<number> {
  const parse = () =>
    parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        script: { type: 'string' },
        'summary-export': { type: 'string' },
        out: { type: 'string' },
        env: { type: 'string', short: 'e', multiple: true },
      },
    });
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse();
  } catch (err) {
    throw usage(describeError(err).split('\n')[0]);
  }
  const v = parsed.values;
  if (!v.script) throw usage('--script is required: the script the instances ran, for its thresholds');
  const env: Record<string, string> = {};
  for (const kv of v.env ?? []) {
    const i = kv.indexOf('=');
    if (i <= 0) throw usage(`-e '${kv}' is not K=V`);
    env[kv.slice(0, i)] = kv.slice(i + 1);
  }
  checkTargets(v['summary-export'], v.out);
  const merged = await mergeOutputs({ script: v.script, files: parsed.positionals, env, stderr: process.stderr });
  process.stdout.write(describeMerge(merged));
  process.stdout.write(summaryText(merged));
  for (const f of writeResults(merged, v['summary-export'], v.out)) process.stdout.write(`wrote ${f}\n`);
  if (merged.thresholdsFailed) {
    process.stderr.write('error: some thresholds have failed over the merged results\n');
    return EXIT.thresholdsFailed;
  }
  return EXIT.ok;
}

exitWith(main(process.argv.slice(2)));
