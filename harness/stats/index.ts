// The DB I/O statistics collector's public surface (the incident orchestration imports from here).
export { startSampler, resetStatistics, type Sampler, type SamplerOptions } from './sampler.ts';
export { phaseDeltas, queryTexts, readSamples, type DeltaOptions } from './deltas.ts';
export { defaultQueryMatch, type QueryMatch } from './sources/statements.ts';
export type * from './types.ts';
