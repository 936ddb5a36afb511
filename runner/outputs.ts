// Where results go besides the text summary: `--out json=F` and `--summary-export F`. Both paths are checked
// before the test starts, so a mistake costs no run.
import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { EXIT, RunnerError, describeError } from './errors.ts';
import { JsonOutput } from './output-json.ts';
import type { Registry } from './metrics/registry.ts';
import type { ThresholdGroup } from './thresholds.ts';

/** The nearest existing ancestor of a path: what stops a folder from being made there when it is a file. */
function blocker(abs: string): string {
  let p = path.dirname(abs);
  while (!existsSync(p) && path.dirname(p) !== p) p = path.dirname(p);
  return p;
}

function unwritable(flag: string, file: string, err: unknown): RunnerError {
  const code = (err as NodeJS.ErrnoException).code;
  const reason =
    code === 'EEXIST' || code === 'ENOTDIR'
      ? `'${blocker(path.resolve(file))}' is not a folder`
      : code === 'EACCES'
        ? 'permission denied'
        : code === 'EROFS'
          ? 'read-only file system'
          : describeError(err);
  return new RunnerError(
    `${flag} '${file}' cannot be written: ${reason} (accepted: a file path in a folder this user can write)`,
    EXIT.config,
  );
}

/** Makes the folder of `file` and checks that the file can be written there. */
export function checkWritable(flag: string, file: string): void {
  const abs = path.resolve(file);
  try {
    mkdirSync(path.dirname(abs), { recursive: true });
    accessSync(path.dirname(abs), constants.W_OK);
    if (statSync(abs, { throwIfNoEntry: false })?.isDirectory()) throw new Error('it is a folder');
  } catch (err) {
    throw unwritable(flag, file, err);
  }
}

/** Opens the outputs named by `--out` and attaches them to the registry. */
export function openOutputs(
  outs: string[] | undefined,
  registry: Registry,
  thresholds: ThresholdGroup[],
  stdout: NodeJS.WritableStream,
): JsonOutput | undefined {
  let json: JsonOutput | undefined;
  for (const o of outs ?? []) {
    const m = /^json=(.+)$/.exec(o);
    if (!m)
      throw new RunnerError(`--out '${o}' is not supported (accepted: json=FILE, json=FILE.gz, json=-)`, EXIT.config);
    if (json) throw new RunnerError(`--out json given twice (accepted: one json output)`, EXIT.config);
    const file = m[1];
    if (file !== '-') checkWritable('--out json', file);
    const describe = (metric: Parameters<JsonOutput['point']>[0]) => ({
      thresholds: thresholds.filter((g) => g.metric === metric).flatMap((g) => g.thresholds.map((t) => t.source)),
      submetrics: metric.submetrics.filter((s) => !s.auto).map((s) => s.key),
    });
    try {
      json = new JsonOutput(file, describe, stdout);
    } catch (err) {
      throw unwritable('--out json', file, err);
    }
    registry.output = json;
  }
  return json;
}
