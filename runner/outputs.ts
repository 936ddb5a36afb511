// `--out`: where samples go besides the summary. Only k6's json output is built.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { EXIT, RunnerError } from './errors.ts';
import { JsonOutput } from './output-json.ts';
import type { Registry } from './metrics/registry.ts';
import type { ThresholdGroup } from './thresholds.ts';

/** Opens the outputs named by `--out` and attaches them to the registry. */
export function openOutputs(outs: string[] | undefined, registry: Registry, thresholds: ThresholdGroup[], stdout: NodeJS.WritableStream): JsonOutput | undefined {
  let json: JsonOutput | undefined;
  for (const o of outs ?? []) {
    const m = /^json=(.+)$/.exec(o);
    if (!m) throw new RunnerError(`--out '${o}' is not supported (accepted: json=FILE, json=FILE.gz, json=-)`, EXIT.config);
    if (json) throw new RunnerError(`--out json given twice (accepted: one json output)`, EXIT.config);
    if (m[1] !== '-') mkdirSync(path.dirname(path.resolve(m[1])), { recursive: true });
    json = new JsonOutput(
      m[1],
      (metric) => ({
        thresholds: thresholds.filter((g) => g.metric === metric).flatMap((g) => g.thresholds.map((t) => t.source)),
        submetrics: metric.submetrics.filter((s) => !s.auto).map((s) => s.key),
      }),
      stdout,
    );
    registry.output = json;
  }
  return json;
}
