// options -> scenarios: k6's shortcuts, the common scenario fields, then each executor's own (k6-subset §1-2).
import type { ExecutorHost, ScenarioCommon, ScenarioRun } from './executors/base.ts';
import { dur, fail, stringMap, type Raw } from './executors/fields.ts';
import { EXECUTORS, executorNamed } from './executors/index.ts';

const COMMON = ['executor', 'startTime', 'gracefulStop', 'exec', 'env', 'tags'];

/** A scenario ready to start: its common fields and its executor's run. */
export interface ScenarioPlan extends ScenarioCommon {
  start(host: ExecutorHost): ScenarioRun;
}

export function scenarioPlan(name: string, raw: Raw, exports: Record<string, unknown>): ScenarioPlan {
  const where = `scenario '${name}'`;
  const definition = executorNamed(raw.executor);
  if (definition === undefined)
    fail(`${where}: unknown executor '${String(raw.executor)}' (accepted: ${Object.keys(EXECUTORS).join(', ')})`);
  const executor = raw.executor as string;
  for (const k of Object.keys(raw)) {
    if (!COMMON.includes(k) && !definition.fields.includes(k))
      fail(
        `${where}: '${k}' is not a field of ${executor} (accepted: ${[...COMMON, ...definition.fields].join(', ')})`,
      );
  }
  const exec = raw.exec === undefined ? 'default' : String(raw.exec);
  if (typeof exports[exec] !== 'function') fail(`${where}: exec '${exec}' is not a function exported by the script`);
  const common: ScenarioCommon = {
    name,
    executor,
    startTimeMs: dur(raw, 'startTime', where, '0s'),
    gracefulStopMs: dur(raw, 'gracefulStop', where, '30s'),
    exec,
    env: stringMap(raw, 'env', where),
    tags: stringMap(raw, 'tags', where),
  };
  const factory = definition.configure(raw, where);
  return { ...common, start: (host) => factory(common, host) };
}

/** The scenario the shortcuts vus/duration/iterations/stages stand for (none: 1 VU, 1 iteration). */
function shortcutScenario(options: Raw): Raw {
  if (options.stages !== undefined)
    return { executor: 'ramping-vus', startVUs: options.vus ?? 1, stages: options.stages };
  if (options.iterations !== undefined) {
    return {
      executor: 'shared-iterations',
      vus: options.vus ?? 1,
      iterations: options.iterations,
      ...(options.duration !== undefined ? { maxDuration: options.duration } : {}),
    };
  }
  if (options.duration !== undefined)
    return { executor: 'constant-vus', vus: options.vus ?? 1, duration: options.duration };
  if (options.vus !== undefined) return { executor: 'shared-iterations', vus: options.vus, iterations: options.vus };
  return { executor: 'shared-iterations', vus: 1, iterations: 1 };
}

export function scenariosOf(options: Raw, exports: Record<string, unknown>): ScenarioPlan[] {
  const hasShortcut = ['vus', 'duration', 'iterations', 'stages'].some((k) => options[k] !== undefined);
  if (options.scenarios === undefined) return [scenarioPlan('default', shortcutScenario(options), exports)];
  if (hasShortcut) fail(`options: 'scenarios' cannot be combined with the shortcuts vus/duration/iterations/stages`);
  const sc = options.scenarios;
  if (!sc || typeof sc !== 'object' || Object.keys(sc).length === 0)
    fail(`options: 'scenarios' must be an object with at least one scenario`);
  return Object.entries(sc as Record<string, Raw>).map(([n, s]) => {
    if (!/^[0-9A-Za-z_-]+$/.test(n)) fail(`scenario name '${n}' is invalid (accepted: letters, digits, _ and -)`);
    return scenarioPlan(n, s ?? {}, exports);
  });
}
