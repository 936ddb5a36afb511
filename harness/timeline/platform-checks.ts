/**
 * The post-mortem's shape on a platform with replicas, checked on the run's own figures: the load sits on the
 * server taking the reads, moves with them, slows the writes once it reaches the primary, and no write is lost.
 */
import { fmtBytes, fmtMs } from '../cli/format.ts';
import type { MovesDiagnosis, NoLoss } from './platform-types.ts';
import type { PeriodResult, ShapeCheck } from './types.ts';

/** the server taking the reads carries at least this share of the platform's temp writes */
export const READS_SHARE = 0.8;
/** "the writes slow down too": their p95 in all-primary against the period before it */
export const WRITES_SLOWER = 1.5;

const pct = (n: number) => `${Math.round(n * 100)} %`;

export function readsCarryTheLoad(periods: PeriodResult[]): ShapeCheck[] {
  return periods
    .filter((p) => ['tripled', 'reroute', 'all-primary'].includes(p.name) && p.servers?.length)
    .map((p) => {
      const servers = p.servers!;
      const reader = servers.find((s) => s.reads);
      const total = servers.reduce((a, s) => a + (s.temp_bytes_per_s ?? 0), 0);
      const share = reader && total > 0 ? (reader.temp_bytes_per_s ?? 0) / total : null;
      const each = servers.map((s) => `${s.name} ${fmtBytes(s.temp_bytes_per_s) ?? 'n/a'}/s`).join(', ');
      return {
        name: `${p.name}: the server taking the reads (${reader?.name ?? 'none'}) carries the temp writes`,
        ok: share !== null && share >= READS_SHARE,
        detail: `${share === null ? 'no temp writes on the platform' : `${pct(share)} of them`} (${each}; needs >= ${pct(READS_SHARE)})`,
      };
    });
}

export function writesSlowDown(periods: PeriodResult[]): ShapeCheck[] {
  const i = periods.findIndex((p) => p.name === 'all-primary');
  if (i < 1) return [];
  const before = periods[i - 1];
  const a = periods[i].writes_p95_ms ?? null;
  const b = before.writes_p95_ms ?? null;
  const r = a !== null && b !== null && b > 0 ? Math.round((a / b) * 10) / 10 : null;
  return [
    {
      name: 'all-primary: the writes (cart adds, checkouts) slow down too',
      ok: r !== null && r >= WRITES_SLOWER,
      detail: `writes p95 ${fmtMs(a) ?? 'n/a'} vs ${fmtMs(b) ?? 'n/a'} in ${before.name} (${r ?? 'n/a'}x, needs >= ${WRITES_SLOWER}x)`,
    },
  ];
}

export function noLossCheck(n: NoLoss | undefined): ShapeCheck[] {
  if (!n) return [];
  const writes = n.cart_adds + n.checkouts;
  return [
    {
      name: 'moves: every cart and order written while the reads moved is on the primary',
      ok:
        writes > 0 && n.missing_positions === 0 && n.missing_orders === 0 && n.unchecked === 0 && n.replicas_caught_up,
      detail: `${n.cart_adds} cart adds and ${n.checkouts} checkouts acknowledged from ${n.from_s} s to ${n.to_s} s; missing on the primary: ${n.missing_positions} cart positions, ${n.missing_orders} orders; replicas ${n.replicas_caught_up ? 'caught up' : 'NOT caught up'} by the end${writes === 0 ? ' (no write to check)' : ''}`,
    },
  ];
}

export function movesChecks(moves: MovesDiagnosis | undefined, tripledCause: string | null): ShapeCheck[] {
  return (moves ?? []).map((m) => ({
    name: `diagnose after ${m.period}: the same cause named on ${m.server}, now carrying the load`,
    ok: m.named !== null && (tripledCause === null || m.named.cause === tripledCause),
    detail: m.named
      ? `${m.named.cause} on ${m.server} ${m.named.after_move_s} s after the move${tripledCause && m.named.cause !== tripledCause ? ` (at the tripling: ${tripledCause})` : ''}`
      : `no verdict on ${m.server} named the cause during ${m.period}`,
  }));
}
