import { UserError } from '../../common/user-error.ts';

/**
 * What ended a run early: the disk ran low, the embedded PostgreSQL or an external database went away, the
 * shop or the runner died, or another child a mode depends on (a worker, redis, a proxy: 'process').
 */
export type FaultKind = 'disk' | 'postgres' | 'database' | 'shop' | 'runner' | 'process';

/**
 * A run stopped by a fault of its surroundings, not by a bug or a mistake: one line for the person running it
 * (no stack), the reason for the INCOMPLETE marker, and the figures measured up to the fault.
 */
export class RunFault extends UserError {
  constructor(
    readonly kind: FaultKind,
    readonly reason: string,
    readonly figures: string[] = [],
  ) {
    super(`run stopped: ${reason}`, 1);
    this.name = 'RunFault';
  }
}
