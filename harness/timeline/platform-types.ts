/**
 * The incident day's platform in loadlab.timeline/v1 (issue 28): the servers, each one's figures per period,
 * the no-loss check of the writes made while the reads moved, and diagnose's answer after each move. All are
 * optional in the summary, so runs before the platform and runs with --replicas 0 still read.
 */
import { z } from 'zod';

const num = z.number();
const numOrNull = z.number().nullable();

export const topologySchema = z.object({
  servers: z.array(z.object({ name: z.string(), role: z.enum(['primary', 'replica']) })),
});
export type Topology = z.infer<typeof topologySchema>;

/** One server in one period, from its own statistics sampled every second. */
export const serverPeriodSchema = z.object({
  name: z.string(),
  role: z.enum(['primary', 'replica']),
  /** the shop's GET pages read from this server during the period */
  reads: z.boolean(),
  temp_bytes_per_s: numOrNull,
  /** client statements running, averaged over the period's samples */
  running_avg: numOrNull,
  /** the largest replay lag seen in the period (replicas; null on the primary or without a sample) */
  replication_lag_ms: numOrNull,
  /**
   * extension: where temp_bytes_per_s comes from: 'proc', the bytes the server's processes wrote as they wrote
   * them (a server of ours: the spills, and little else); 'pg_stat_database', temp bytes counted at each query's end
   */
  temp_measured_by: z.enum(['proc', 'pg_stat_database']).optional(),
  /** extension: product-list statements the server ran in the period (pg_stat_statements) */
  product_list_calls: numOrNull.optional(),
});
export type ServerPeriod = z.infer<typeof serverPeriodSchema>;

export const noLossSchema = z.object({
  /** the stretch checked, seconds since the day started: the operators' moves */
  from_s: num,
  to_s: num,
  cart_adds: z.number().int(),
  checkouts: z.number().int(),
  /** acknowledged cart positions and orders the primary does not have */
  missing_positions: z.number().int(),
  missing_orders: z.number().int(),
  /** the replicas had replayed everything the primary wrote by the end */
  replicas_caught_up: z.boolean(),
  /** writes past the shop's journal cap (unchecked) */
  unchecked: z.number().int(),
});
export type NoLoss = z.infer<typeof noLossSchema>;

/** After each move: the first verdict naming the cause on the server that took the reads, and how long that took. */
export const movesDiagnosisSchema = z.array(
  z.object({
    period: z.string(),
    at_s: num,
    server: z.string(),
    named: z.object({ at_s: num, after_move_s: num, cause: z.string() }).nullable(),
  }),
);
export type MovesDiagnosis = z.infer<typeof movesDiagnosisSchema>;
