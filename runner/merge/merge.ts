// One result over several instances' `--out json` files: every sample goes into the runner's own metric sinks
// (trends keep all samples, counters and rates add up, gauges as gauges.ts says), then the script's thresholds
// are judged over the whole with the same code a run uses, and the same summary is written.
import path from 'node:path';
import { consolidate, envOptions } from '../config.ts';
import { EXIT, RunnerError } from '../errors.ts';
import { loadScript } from '../loader.ts';
import type { Registry } from '../metrics/registry.ts';
import { optionsOf, thresholdsOf, trendStatsOf } from '../options.ts';
import type { Runtime } from '../runtime.ts';
import { scriptSha256 } from '../segments/instance-meta.ts';
import { buildSummaryData, type SummaryData } from '../summary.ts';
import { TestRun } from '../test-run.ts';
import { evaluate, type ThresholdGroup } from '../thresholds.ts';
import { countCheck } from './checks-tree.ts';
import { checkSameScript, checkSegments } from './consistency.ts';
import { GaugeMerge } from './gauges.ts';
import { readInstanceFile, type InstanceFile, type MetricLine, type PointLine } from './read.ts';

export interface MergeInput {
  script: string;
  files: string[];
  /** `-e K=V`: for scripts whose options read __ENV */
  env?: Record<string, string>;
  stderr: NodeJS.WritableStream;
}

export interface Merged {
  script: { file: string; sha256: string };
  instances: InstanceFile[];
  notes: string[];
  firstMs: number;
  lastMs: number;
  thresholds: ThresholdGroup[];
  thresholdsFailed: boolean;
  summary: SummaryData;
  registry: Registry;
}

function usage(message: string): never {
  throw new RunnerError(message, EXIT.usage);
}

/** Feeds one file's lines into the registry; a metric's type must agree across files. */
function visitor(rt: Runtime, gauges: GaugeMerge, instance: number, file: string) {
  const reg = rt.registry;
  return {
    metric(m: MetricLine): void {
      const existing = reg.metrics.get(m.name);
      if (existing && existing.type !== m.type)
        usage(`${file}: metric '${m.name}' is a ${m.type} here and a ${existing.type} elsewhere: files of one test?`);
      if (!existing) reg.metric(m.name, m.type, m.contains);
    },
    point(p: PointLine): void {
      const m = reg.metrics.get(p.metric);
      if (m === undefined) usage(`${file}: a point of '${p.metric}' comes before its Metric line (a damaged file?)`);
      const tags = reg.tagSetOf(p.tags);
      if (m.type === 'gauge') gauges.note(instance, m, tags, p.value, p.timeMs);
      else reg.add(m, tags, p.value);
      if (m === rt.metrics.checks && p.tags.check !== undefined)
        countCheck(rt, p.tags.group ?? '', p.tags.check, p.value);
    },
  };
}

export async function mergeOutputs(input: MergeInput): Promise<Merged> {
  if (input.files.length === 0)
    usage("no files given (usage: --script S FILE... with the instances' --out json files)");
  const seen = new Set<string>();
  for (const f of input.files) {
    if (seen.has(path.resolve(f))) usage(`${f} is given twice: each instance's file once`);
    seen.add(path.resolve(f));
  }
  const loaded = await loadScript(input.script);
  const run = new TestRun(loaded, input.env, input.stderr);
  try {
    const rt = run.rt;
    const probe = run.newVU(0, null);
    // the thresholds as the instances had them: the script's options under the K6_* variables
    const options = consolidate(optionsOf(probe.instance.exports), envOptions(process.env).options, {});
    const thresholds = thresholdsOf(rt, options, false);
    const trendStats = trendStatsOf(options, undefined);
    const script = { file: loaded.file, sha256: scriptSha256(loaded.file) };
    const gauges = new GaugeMerge();
    const instances: InstanceFile[] = [];
    for (const [i, file] of input.files.entries())
      instances.push(await readInstanceFile(file, visitor(rt, gauges, i, file)));
    checkSameScript(instances, script, thresholds);
    const { notes } = checkSegments(instances);
    gauges.finish(rt.registry);
    const firstMs = Math.min(...instances.map((f) => f.firstMs));
    const lastMs = Math.max(...instances.map((f) => f.lastMs));
    const durationMs = Math.max(1, lastMs - firstMs);
    const { failed } = evaluate(thresholds, durationMs / 1000, true, durationMs);
    const summary = buildSummaryData(
      rt.registry,
      thresholds,
      rt.rootGroup,
      trendStats,
      durationMs,
      { stdout: false, stderr: false },
      undefined,
    );
    return {
      script,
      instances,
      notes,
      firstMs,
      lastMs,
      thresholds,
      thresholdsFailed: failed,
      summary,
      registry: rt.registry,
    };
  } finally {
    await run.client.close();
    loaded.dispose();
  }
}
