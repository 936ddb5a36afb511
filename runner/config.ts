// k6's three tiers of options, consolidated as k6 does (lib/options.go Apply): the script's `options`, then the
// K6_* environment variables, then the command-line flags, each higher tier over the lower ones.
import { parseDuration } from './duration.ts';
import { EXIT, RunnerError } from './errors.ts';
import { parseSegment, parseSequence } from './segments/segment.ts';

export type Options = Record<string, unknown>;
export interface Stage {
  duration: string;
  target: number;
}

/** What a K6_* variable holds, and the option it sets. */
type Kind = 'int' | 'duration' | 'bool' | 'string' | 'list' | 'stages' | 'tags' | 'segment' | 'sequence';
const ENV: Record<string, [option: string, kind: Kind]> = {
  K6_VUS: ['vus', 'int'],
  K6_DURATION: ['duration', 'duration'],
  K6_ITERATIONS: ['iterations', 'int'],
  K6_STAGES: ['stages', 'stages'],
  K6_TAGS: ['tags', 'tags'],
  K6_USER_AGENT: ['userAgent', 'string'],
  K6_HTTP_DEBUG: ['httpDebug', 'string'],
  K6_NO_THRESHOLDS: ['noThresholds', 'bool'],
  K6_NO_SETUP: ['noSetup', 'bool'],
  K6_NO_TEARDOWN: ['noTeardown', 'bool'],
  K6_SUMMARY_TREND_STATS: ['summaryTrendStats', 'list'],
  K6_MAX_REDIRECTS: ['maxRedirects', 'int'],
  K6_BATCH: ['batch', 'int'],
  K6_BATCH_PER_HOST: ['batchPerHost', 'int'],
  K6_INSECURE_SKIP_TLS_VERIFY: ['insecureSkipTLSVerify', 'bool'],
  K6_NO_CONNECTION_REUSE: ['noConnectionReuse', 'bool'],
  K6_NO_COOKIES_RESET: ['noCookiesReset', 'bool'],
  K6_DISCARD_RESPONSE_BODIES: ['discardResponseBodies', 'bool'],
  K6_MIN_ITERATION_DURATION: ['minIterationDuration', 'duration'],
  K6_SETUP_TIMEOUT: ['setupTimeout', 'duration'],
  K6_TEARDOWN_TIMEOUT: ['teardownTimeout', 'duration'],
  K6_HANDLE_SUMMARY_TIMEOUT: ['handleSummaryTimeout', 'duration'],
  K6_THROW: ['throw', 'bool'],
  K6_EXECUTION_SEGMENT: ['executionSegment', 'segment'],
  K6_EXECUTION_SEGMENT_SEQUENCE: ['executionSegmentSequence', 'sequence'],
};
/** K6_* variables k6 reads that would change the load here: refused, as their options are */
const ENV_REFUSED = ['K6_HOSTS', 'K6_RPS', 'K6_DNS', 'K6_BLACKLIST_IPS', 'K6_BLOCK_HOSTNAMES', 'K6_TLSAUTH'];

function bad(where: string, value: string, accepted: string): never {
  throw new RunnerError(`${where} '${value}' is not valid (accepted: ${accepted})`, EXIT.config);
}

/** `30s:10` (k6's `[duration]:[target]`; either part may be left out). */
export function parseStage(text: string, where: string): Stage {
  const i = text.indexOf(':');
  const d = i < 0 ? text : text.slice(0, i);
  const t = i < 0 ? '' : text.slice(i + 1);
  if (d === '' && t === '') bad(where, text, 'DURATION:TARGET, e.g. 30s:10');
  if (t !== '' && !/^\d+$/.test(t)) bad(where, text, 'DURATION:TARGET with a whole target, e.g. 30s:10');
  if (d !== '') parseDuration(d, where);
  return { duration: d === '' ? '0s' : d, target: t === '' ? 0 : Number(t) };
}

export function parseInt0(text: string, where: string): number {
  if (!/^\d+$/.test(text.trim())) bad(where, text, 'a whole number, 0 or more');
  return Number(text.trim());
}

/** `NAME=VALUE` (or, in K6_TAGS, `NAME:VALUE`). */
export function parsePair(text: string, where: string, sep = '='): [string, string] {
  const i = text.indexOf(sep);
  if (i <= 0) bad(where, text, `NAME${sep}VALUE`);
  return [text.slice(0, i), text.slice(i + 1)];
}

function parseBool(text: string, where: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false;
  return bad(where, text, 'true or false');
}

function envValue(kind: Kind, text: string, where: string): unknown {
  switch (kind) {
    case 'int':
      return parseInt0(text, where);
    case 'duration':
      parseDuration(text, where);
      return text;
    case 'bool':
      return parseBool(text, where);
    case 'list':
      return text.split(',').map((s) => s.trim());
    case 'stages':
      return text.split(',').map((s) => parseStage(s.trim(), where));
    case 'tags':
      return Object.fromEntries(text.split(',').map((s) => parsePair(s.trim(), where, ':')));
    case 'segment':
      parseSegment(text, where);
      return text;
    case 'sequence':
      parseSequence(text, where);
      return text;
    default:
      return text;
  }
}

/** The options K6_* variables set; the names of those it does not read (for one warning). */
export function envOptions(env: NodeJS.ProcessEnv): { options: Options; unread: string[] } {
  const options: Options = {};
  const unread: string[] = [];
  for (const [name, text] of Object.entries(env)) {
    if (!name.startsWith('K6_') || text === undefined) continue;
    if (ENV_REFUSED.includes(name))
      throw new RunnerError(
        `${name} is not supported by this runner and would change the load or its targets; unset it to run here (k6 follows it)`,
        EXIT.config,
      );
    const known = ENV[name];
    if (known === undefined) unread.push(name);
    else options[known[0]] = envValue(known[1], text, name);
  }
  return { options, unread };
}

const EXECUTION = ['duration', 'iterations', 'stages', 'scenarios'];

/**
 * `higher` over `lower`, as k6 applies one tier over another: a tier that sets duration, iterations, stages or
 * scenarios replaces all four of the lower tiers (so `--duration` runs a test whose script has scenarios);
 * `vus` alone does not; tags are replaced as a whole.
 */
export function applyTier(lower: Options, higher: Options): Options {
  const out: Options = { ...lower };
  if (EXECUTION.some((k) => higher[k] !== undefined)) for (const k of EXECUTION) delete out[k];
  for (const [k, v] of Object.entries(higher)) {
    if (v === undefined) continue;
    if (k === 'tags' && Object.keys(v as object).length === 0) continue;
    out[k] = v;
  }
  return out;
}

/** The options the test runs with: script < environment < flags. */
export function consolidate(script: Options, env: Options, flags: Options): Options {
  return applyTier(applyTier(script, env), flags);
}
