import { UserError } from '../../common/user-error.ts';
import { PARTITION_PHASES, type PartitionPhase } from './types.ts';

/** `--phase-seconds B,P,R`: seconds of baseline, partition and recovery. */
export function parsePhaseSeconds(raw: string): Record<PartitionPhase, number> {
  const parts = raw.split(',').map((s) => s.trim());
  const accepted = 'three whole numbers of seconds, baseline,partition,recovery, each from 3 to 3600, e.g. 60,120,60';
  if (parts.length !== 3 || parts.some((p) => !/^\d+$/.test(p) || Number(p) < 3 || Number(p) > 3600))
    throw new UserError(`--phase-seconds '${raw}' is not valid (accepted: ${accepted})`);
  return Object.fromEntries(PARTITION_PHASES.map((name, i) => [name, Number(parts[i])])) as Record<
    PartitionPhase,
    number
  >;
}
