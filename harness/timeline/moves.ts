/**
 * After each of the operators' moves: did diagnose follow the load to the server now taking the reads, naming
 * the same cause there, and how long after the move? The post-mortem's operators read the new server's load as
 * a new problem; the statement had only moved.
 */
import type { DiagnoseLine } from '../stats/live/types.ts';
import { CAUSE_LABEL, serverVerdict } from './diagnose.ts';
import type { MovesDiagnosis } from './platform-types.ts';

export const MOVES = ['reroute', 'all-primary'] as const;

export function movesDiagnosis(
  lines: DiagnoseLine[],
  startAtMs: number,
  names: Map<string, string>,
  periods: { name: string; start_s: number; end_s: number }[],
  reads: string[],
): MovesDiagnosis {
  const verdicts = lines.flatMap((l) => l.servers.map((s) => serverVerdict(l, s, startAtMs, names)));
  return periods.flatMap((p, i) => {
    if (!(MOVES as readonly string[]).includes(p.name)) return [];
    const server = reads[i];
    // the move's own period and what follows until the next move: the load stays where the reads are
    const first = verdicts.find(
      (v) => v.server === server && v.t_s >= p.start_s && v.t_s < p.end_s && v.cause?.includes(CAUSE_LABEL) === true,
    );
    return [
      {
        period: p.name,
        at_s: p.start_s,
        server,
        named: first
          ? { at_s: first.t_s, after_move_s: Math.round((first.t_s - p.start_s) * 10) / 10, cause: first.cause! }
          : null,
      },
    ];
  });
}
