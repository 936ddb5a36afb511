// `npm run load`'s flags: one table that both the parser and `--help` read, so the help cannot drift from what is
// accepted. Flags that are k6 options go into `flagOptions`, the highest of k6's three tiers (config.ts).
import { parseArgs } from 'node:util';
import { parseStage, parseInt0, parsePair, type Options } from './config.ts';
import { parseDuration } from './duration.ts';
import { EXIT, RunnerError, describeError } from './errors.ts';
import type { RunOptions } from './run.ts';
import { K6_VERSION } from './runtime.ts';
import { parseSegment, parseSequence } from './segments/segment.ts';

type Value = string | boolean | string[] | undefined;
interface Flag {
  name: string;
  short?: string;
  /** what follows the flag, for --help; none for a switch */
  arg?: string;
  multiple?: boolean;
  /** as --help shows it */
  def: string;
  help: string;
  /** the k6 option it sets, from its checked value */
  option?: (v: Value, name: string) => [string, unknown];
}

const int = (key: string) => (v: Value, name: string) => [key, parseInt0(v as string, name)] as [string, unknown];
const dur = (key: string) => (v: Value, name: string) => {
  parseDuration(v as string, name);
  return [key, v] as [string, unknown];
};
const on = (key: string) => () => [key, true] as [string, unknown];

export const FLAGS: Flag[] = [
  { name: 'vus', short: 'u', arg: 'N', def: '1', help: 'number of virtual users', option: int('vus') },
  {
    name: 'duration',
    short: 'd',
    arg: 'D',
    def: 'none',
    help: 'test duration limit (30s, 1m30s)',
    option: dur('duration'),
  },
  {
    name: 'iterations',
    short: 'i',
    arg: 'N',
    def: 'none',
    help: 'total iterations, shared by the VUs',
    option: int('iterations'),
  },
  {
    name: 'stage',
    short: 's',
    arg: 'D:T',
    multiple: true,
    def: 'none',
    help: 'add a stage of ramping VUs, as DURATION:TARGET (repeat for more)',
    option: (v, name) => ['stages', (v as string[]).map((s) => parseStage(s, name))],
  },
  {
    name: 'execution-segment',
    arg: 'FROM:TO',
    def: '0:1',
    help: "this instance's part of the test (1/4:1/2, 25%:50%); the instances together run it once",
    option: (v, name) => {
      parseSegment(v as string, name);
      return ['executionSegment', v];
    },
  },
  {
    name: 'execution-segment-sequence',
    arg: 'S',
    def: 'none',
    help: "all instances' segments, as points (0,1/4,1/2,3/4,1): how their shares are striped",
    option: (v, name) => {
      parseSequence(v as string, name);
      return ['executionSegmentSequence', v];
    },
  },
  { name: 'env', short: 'e', arg: 'K=V', multiple: true, def: 'none', help: 'a variable for __ENV (repeatable)' },
  {
    name: 'tag',
    arg: 'NAME=VALUE',
    multiple: true,
    def: 'none',
    help: 'a tag on every sample (repeatable)',
    option: (v, name) => ['tags', Object.fromEntries((v as string[]).map((t) => parsePair(t, name)))],
  },
  {
    name: 'out',
    short: 'o',
    arg: 'K=F',
    multiple: true,
    def: 'none',
    help: 'json=FILE (.gz, - for stdout) or csv=FILE',
  },
  { name: 'summary-export', arg: 'FILE', def: 'none', help: 'the end-of-test summary as JSON to FILE' },
  {
    name: 'summary-trend-stats',
    arg: 'LIST',
    def: 'avg,min,med,max,p(90),p(95)',
    help: 'the statistics of trend metrics in the summary',
    option: (v) => ['summaryTrendStats', (v as string).split(',').map((s) => s.trim())],
  },
  { name: 'summary-mode', arg: 'M', def: 'compact', help: 'compact, full or disabled' },
  { name: 'no-summary', def: 'off', help: 'no end-of-test summary' },
  { name: 'no-thresholds', def: 'off', help: 'do not evaluate thresholds', option: on('noThresholds') },
  { name: 'no-setup', def: 'off', help: 'do not run setup()', option: on('noSetup') },
  { name: 'no-teardown', def: 'off', help: 'do not run teardown()', option: on('noTeardown') },
  {
    name: 'user-agent',
    arg: 'UA',
    def: `Grafana k6/${K6_VERSION}`,
    help: 'the User-Agent of requests',
    option: (v) => ['userAgent', v],
  },
  {
    name: 'http-debug',
    arg: '[=full]',
    def: 'off',
    help: 'print every request and response (headers; =full adds bodies) to stderr',
    option: (v, name) => {
      if (v !== 'headers' && v !== 'full')
        throw usage(`${name} '${String(v)}' is not valid (accepted: --http-debug, --http-debug=full)`);
      return ['httpDebug', v];
    },
  },
  { name: 'max-redirects', arg: 'N', def: '10', help: 'follow at most N redirects', option: int('maxRedirects') },
  { name: 'batch', arg: 'N', def: '20', help: 'requests of one http.batch() at once', option: int('batch') },
  { name: 'batch-per-host', arg: 'N', def: '6', help: 'the same, per host', option: int('batchPerHost') },
  {
    name: 'min-iteration-duration',
    arg: 'D',
    def: '0s',
    help: 'the least time one iteration takes',
    option: dur('minIterationDuration'),
  },
  { name: 'no-connection-reuse', def: 'off', help: 'a new connection per request', option: on('noConnectionReuse') },
  {
    name: 'insecure-skip-tls-verify',
    def: 'off',
    help: 'accept any TLS certificate',
    option: on('insecureSkipTLSVerify'),
  },
  {
    name: 'discard-response-bodies',
    def: 'off',
    help: 'read but do not keep response bodies',
    option: on('discardResponseBodies'),
  },
  { name: 'throw', short: 'w', def: 'off', help: 'a failed request throws', option: on('throw') },
  { name: 'quiet', short: 'q', def: 'off', help: 'no progress line' },
  { name: 'help', short: 'h', def: 'off', help: 'this list' },
];

function usage(message: string): RunnerError {
  return new RunnerError(message, EXIT.usage);
}

/** `--help`: every flag with its meaning and default, from FLAGS. */
export function helpText(): string {
  const rows = FLAGS.map((f) => {
    const names = `${f.short ? `-${f.short}, ` : '    '}--${f.name}${f.arg ? (f.arg.startsWith('[') ? f.arg : ` ${f.arg}`) : ''}`;
    const def =
      f.def === 'off' || (f.def === 'none' && !f.option)
        ? ''
        : f.def === 'none'
          ? " (default: the script's options)"
          : ` (default ${f.def})`;
    return `  ${names.padEnd(36)}${f.help}${def}`;
  });
  return [
    'usage: npm run load -- SCRIPT [flags]',
    '',
    ...rows,
    '',
    "k6 options: flags over K6_* environment variables over the script's options; --duration, --iterations",
    "and --stage replace the script's scenarios, as on k6.",
    "exit codes (k6's): 0 ok, 99 thresholds failed, 104 bad config, 105 signal, 107 script error, 108 test.abort()",
    '',
  ].join('\n');
}

export interface ParsedCommand {
  help: boolean;
  script: string;
  opts: RunOptions;
}

/** k6's `--http-debug` alone means headers: node's parser wants a value, so a bare one gets it here. */
function withDebugValue(argv: string[]): string[] {
  return argv.map((a) => (a === '--http-debug' ? '--http-debug=headers' : a));
}

export function parseCommand(argv: string[]): ParsedCommand {
  const spec = Object.fromEntries(
    FLAGS.map((f) => [
      f.name,
      {
        type: f.arg ? 'string' : 'boolean',
        ...(f.short ? { short: f.short } : {}),
        ...(f.multiple ? { multiple: true } : {}),
      },
    ]),
  ) as Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;
  let parsed: { values: Record<string, Value>; positionals: string[] };
  try {
    parsed = parseArgs({ args: withDebugValue(argv), options: spec, strict: true, allowPositionals: true }) as {
      values: Record<string, Value>;
      positionals: string[];
    };
  } catch (err) {
    const msg = describeError(err);
    const unknown = /^Unknown option '([^']+)'/.exec(msg);
    throw usage(
      unknown
        ? `unknown flag '${unknown[1]}' (npm run load -- --help lists the flags)`
        : `${msg.split('\n')[0]} (npm run load -- --help lists the flags)`,
    );
  }
  const v = parsed.values;
  if (v.help) return { help: true, script: '', opts: {} };
  if (parsed.positionals.length !== 1) {
    throw usage(
      parsed.positionals.length === 0
        ? 'no script given (usage: npm run load -- SCRIPT [flags])'
        : `one script at a time, got ${parsed.positionals.length}: ${parsed.positionals.join(' ')}`,
    );
  }
  const flagOptions: Options = {};
  for (const f of FLAGS) {
    if (v[f.name] === undefined || f.option === undefined) continue;
    try {
      const [key, value] = f.option(v[f.name], `--${f.name}`);
      flagOptions[key] = value;
    } catch (err) {
      throw usage(describeError(err));
    }
  }
  const env: Record<string, string> = {};
  for (const kv of (v.env as string[] | undefined) ?? []) {
    const i = kv.indexOf('=');
    if (i <= 0) throw usage(`-e '${kv}' is not K=V (accepted: -e NAME=value)`);
    env[kv.slice(0, i)] = kv.slice(i + 1);
  }
  const mode = v['no-summary'] ? 'disabled' : ((v['summary-mode'] as string | undefined) ?? 'compact');
  if (!['compact', 'full', 'disabled'].includes(mode))
    throw usage(`--summary-mode '${mode}' is not valid (accepted: compact, full, disabled)`);
  return {
    help: false,
    script: parsed.positionals[0],
    opts: {
      env,
      flagOptions,
      summaryExport: v['summary-export'] as string | undefined,
      out: v.out as string[] | undefined,
      quiet: v.quiet as boolean | undefined,
      summaryMode: mode as RunOptions['summaryMode'],
    },
  };
}
