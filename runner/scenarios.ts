// options -> scenarios: k6's shortcuts, the common scenario fields, then each executor's own (k6-subset §1-2).
import type { ExecutorHost, ScenarioCommon, ScenarioRun } from './executors/base.ts';
import { dur, fail, stringMap, type Raw } from './executors/fields.ts';
import { EXECUTORS, executorNamed } from './executors/index.ts';
import { ExecutionTuple } from './segments/segment.ts';

const COMMON = ['executor', 'startTime', 'gracefulStop', 'exec', 'env', 'tags'];

/** A scenario ready to start: its common fields and its executor's run. */
export interface ScenarioPlan extends ScenarioCommon {
  start(host: ExecutorHost): ScenarioRun;
}

export function scenarioPlan(
  name: string,
  raw: Raw,
  exports: Record<string, unknown>,
  tuple: ExecutionTuple = ExecutionTuple.of(undefined),
): ScenarioPlan {
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
  const factory = definition.configure(raw, where, tuple);
  return { ...common, start: (host) => factory(common, host) };
}

/** k6's shortcuts, in k6's order (DeriveScenariosFromShortcuts): the scenario they stand for, or a conflict. */
function shortcutScenario(options: Raw, warn: (message: string) => void): Raw | undefined {
  const { vus, duration, iterations, stages, scenarios } = options;
  const hasStages = Array.isArray(stages) && stages.length > 0;
  const conflict = (a: string, b: string): never =>
    fail(`options: using '${a}' and '${b}' simultaneously is not allowed (k6 refuses it too)`);
  if (iterations !== undefined) {
    if (hasStages) conflict('iterations', 'stages');
    if (scenarios !== undefined) conflict('iterations', 'scenarios');
    return {
      executor: 'shared-iterations',
      vus: vus ?? 1,
      iterations,
      ...(duration !== undefined ? { maxDuration: duration } : {}),
    };
  }
  if (duration !== undefined) {
    if (hasStages) conflict('duration', 'stages');
    if (scenarios !== undefined) conflict('duration', 'scenarios');
    return { executor: 'constant-vus', vus: vus ?? 1, duration };
  }
  if (hasStages) {
    if (scenarios !== undefined) conflict('stages', 'scenarios');
    return { executor: 'ramping-vus', startVUs: vus ?? 1, stages };
  }
  if (vus !== undefined) {
    if (scenarios !== undefined) warn(`\`vus=${String(vus)}\` overrides scenarios configuration`);
    return { executor: 'shared-iterations', vus, iterations: vus };
  }
  if (scenarios === undefined) return { executor: 'shared-iterations', vus: 1, iterations: 1 };
  return undefined;
}

export function scenariosOf(
  options: Raw,
  exports: Record<string, unknown>,
  warn: (message: string) => void = () => {},
  tuple: ExecutionTuple = ExecutionTuple.of(undefined),
): ScenarioPlan[] {
  const shortcut = shortcutScenario(options, warn);
  if (shortcut !== undefined) return [scenarioPlan('default', shortcut, exports, tuple)];
  const sc = options.scenarios;
  if (!sc || typeof sc !== 'object' || Object.keys(sc).length === 0)
    fail(`options: 'scenarios' must be an object with at least one scenario`);
  return Object.entries(sc as Record<string, Raw>).map(([n, s]) => {
    if (!/^[0-9A-Za-z_-]+$/.test(n)) fail(`scenario name '${n}' is invalid (accepted: letters, digits, _ and -)`);
    return scenarioPlan(n, s ?? {}, exports, tuple);
  });
}
