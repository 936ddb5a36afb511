// `npm run load -- SCRIPT [flags]`: run one k6 script with the embedded runner, with k6's exit codes.
import { parseArgs } from 'node:util';
import { EXIT, RunnerError, describeError } from './errors.ts';
import { runScript, type RunOptions } from './run.ts';

const FLAGS = {
  env: { type: 'string', short: 'e', multiple: true },
  'summary-export': { type: 'string' },
  out: { type: 'string', short: 'o', multiple: true },
  quiet: { type: 'boolean', short: 'q' },
  'summary-mode': { type: 'string' },
  'summary-trend-stats': { type: 'string' },
  'no-summary': { type: 'boolean' },
  'no-thresholds': { type: 'boolean' },
  'no-setup': { type: 'boolean' },
  'no-teardown': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const USAGE = `usage: npm run load -- SCRIPT [-e K=V]... [--summary-export FILE] [--out json=FILE] [--quiet]
  [--summary-mode compact|full|disabled] [--summary-trend-stats avg,p(95),...] [--no-summary]
  [--no-thresholds] [--no-setup] [--no-teardown]
exit codes (k6's): 0 ok, 99 thresholds failed, 104 bad config, 105 signal, 107 script error, 108 test.abort()
`;

function parse(argv: string[]): { script: string; opts: RunOptions } {
  let parsed: ReturnType<
    typeof parseArgs<{ args: string[]; options: typeof FLAGS; strict: true; allowPositionals: true }>
  >;
  try {
    parsed = parseArgs({ args: argv, options: FLAGS, strict: true, allowPositionals: true });
  } catch (err) {
    throw new RunnerError(
      `${describeError(err).split('\n')[0]} (accepted flags: ${Object.keys(FLAGS)
        .map((k) => `--${k}`)
        .join(', ')})`,
      EXIT.usage,
    );
  }
  const v = parsed.values;
  if (v.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  if (parsed.positionals.length !== 1) {
    throw new RunnerError(
      parsed.positionals.length === 0
        ? 'no script given (usage: npm run load -- SCRIPT [flags])'
        : `one script at a time, got ${parsed.positionals.length}: ${parsed.positionals.join(' ')}`,
      EXIT.usage,
    );
  }
  const env: Record<string, string> = {};
  for (const kv of v.env ?? []) {
    const i = kv.indexOf('=');
    if (i <= 0) throw new RunnerError(`-e '${kv}' is not K=V (accepted: -e NAME=value)`, EXIT.usage);
    env[kv.slice(0, i)] = kv.slice(i + 1);
  }
  const mode = v['no-summary'] ? 'disabled' : (v['summary-mode'] ?? 'compact');
  if (!['compact', 'full', 'disabled'].includes(mode))
    throw new RunnerError(`--summary-mode '${mode}' is not valid (accepted: compact, full, disabled)`, EXIT.usage);
  return {
    script: parsed.positionals[0],
    opts: {
      env,
      summaryExport: v['summary-export'],
      out: v.out,
      quiet: v.quiet,
      summaryMode: mode as RunOptions['summaryMode'],
      summaryTrendStats: v['summary-trend-stats']?.split(',').map((s) => s.trim()),
      noThresholds: v['no-thresholds'],
      noSetup: v['no-setup'],
      noTeardown: v['no-teardown'],
    },
  };
}

async function main(): Promise<number> {
  const { script, opts } = parse(process.argv.slice(2));
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      process.stderr.write(`\n${sig} again: exiting now\n`);
      process.exit(EXIT.signal);
    }
    process.stderr.write(`\n${sig}: stopping the test, writing the summary (again to exit at once)\n`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  const result = await runScript(script, { ...opts, signal: controller.signal });
  if (result.thresholdsFailed) process.stderr.write(`error: some thresholds have failed\n`);
  return result.exitCode;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof RunnerError) {
      process.stderr.write(`error: ${err.message}\n`);
      process.exit(err.exitCode);
    }
    process.stderr.write(`internal error: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(1);
  },
);
