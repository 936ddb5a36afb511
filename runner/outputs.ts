// Where results go besides the text summary: `--out json=F` and `--summary-export F`. Both paths are checked
// before the test starts, so a mistake costs no run.
import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { EXIT, RunnerError, describeError } from './errors.ts';
import type { Metric, Registry } from './metrics/registry.ts';
import { CsvOutput } from './output-csv.ts';
import { JsonOutput } from './output-json.ts';
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

/** What `--out` opened: the files to close when the run ends, or to discard when it fails. */
export interface OpenOutputs {
  close(): Promise<void>;
  discard(): Promise<void>;
}

/** Opens the outputs named by `--out` (json and csv, one each) and attaches them to the registry. */
export function openOutputs(
  outs: string[] | undefined,
  registry: Registry,
  thresholds: ThresholdGroup[],
  stdout: NodeJS.WritableStream,
  /** the JSON output's first line, naming the script and the execution segment */
  jsonHeader?: string,
): OpenOutputs | undefined {
  const opened = new Map<string, JsonOutput | CsvOutput>();
  for (const o of outs ?? []) {
    const m = /^(json|csv)=(.+)$/.exec(o);
    if (!m)
      throw new RunnerError(
        `--out '${o}' is not supported (accepted: json=FILE, json=FILE.gz, json=-, csv=FILE, csv=FILE.gz)`,
        EXIT.config,
      );
    const [, kind, file] = m;
    if (opened.has(kind)) throw new RunnerError(`--out ${kind} given twice (accepted: one of each)`, EXIT.config);
    if (file !== '-') checkWritable(`--out ${kind}`, file);
    const describe = (metric: Metric) => ({
      thresholds: thresholds.filter((g) => g.metric === metric).flatMap((g) => g.thresholds.map((t) => t.source)),
      submetrics: metric.submetrics.filter((s) => !s.auto).map((s) => s.key),
    });
    try {
      opened.set(
        kind,
        kind === 'json' ? new JsonOutput(file, describe, stdout, jsonHeader) : new CsvOutput(file, stdout),
      );
    } catch (err) {
      throw unwritable(`--out ${kind}`, file, err);
    }
  }
  const all = [...opened.values()];
  if (all.length === 0) return undefined;
  registry.output =
    all.length === 1
      ? all[0]
      : {
          point(m, tags, value, timeMs) {
            for (const o of all) o.point(m, tags, value, timeMs);
          },
        };
  return {
    close: async () => {
      for (const o of all) await o.close();
    },
    discard: async () => {
      for (const o of all) await o.discard();
    },
  };
}
