// The runner as a library: what `npm run load` does, callable from tests and orchestration.
export { runScript, type RunOptions, type RunResult, type ScenarioResult } from './run.ts';
export { RunnerError, EXIT } from './errors.ts';
export type { SummaryData, SummaryMetric } from './summary.ts';
