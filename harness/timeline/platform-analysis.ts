/**
 * The platform's side of the day's analysis: per period each server's figures and where the reads were, the
 * chart's per-server series, diagnose after each move, and the no-loss check of the writes made during the moves.
 */
import type { Platform } from '../db/replicas.ts';
import { serverName } from '../stats/live/server.ts';
import { MOVES, movesDiagnosis } from './moves.ts';
import { checkNoLoss } from './no-loss.ts';
import type { PlayedDay } from './play.ts';
import type { PeriodPlan } from './plan.ts';
import type { MovesDiagnosis, NoLoss, ServerPeriod, Topology } from './platform-types.ts';
import { readsByPeriod, serverPeriods, serverSeries } from './server-figures.ts';
import type { Window } from './stats.ts';

export interface PlatformFigures {
  topology: Topology;
  /** per period, each server */
  servers: ServerPeriod[][];
  /** per chart bucket, each server's temp bytes per second */
  series: Record<string, number | null>[];
  /** diagnose's host:port/db names to the platform's */
  names: Map<string, string>;
  moves?: MovesDiagnosis;
  noLoss?: NoLoss;
}

export async function platformFigures(o: {
  platform: Platform;
  plan: PeriodPlan[];
  windows: Window[];
  played: PlayedDay;
  bucketS: number;
  buckets: number;
}): Promise<PlatformFigures> {
  const refs = o.platform.servers.map((s) => ({ name: s.name, role: s.role }));
  const startMs = o.played.startAtMs;
  const reads = readsByPeriod(o.plan, refs);
  const names = new Map(o.platform.servers.map((s) => [serverName(s.url), s.name]));
  const figures: PlatformFigures = {
    topology: { servers: refs },
    servers: serverPeriods(o.played.serverSamples, refs, o.windows, startMs, reads),
    series: serverSeries(o.played.serverSamples, refs, startMs, o.bucketS, o.buckets),
    names,
  };
  const moved = o.windows.filter((w) => (MOVES as readonly string[]).includes(w.name));
  if (moved.length === 0) return figures;
  figures.moves = movesDiagnosis(o.played.watch.lines, startMs, names, o.windows, reads);
  // from the first move to the end of the last (the access cut then turns every write away)
  figures.noLoss = await checkNoLoss({
    servers: o.platform.servers,
    writes: o.played.journal.writes,
    dropped: o.played.journal.dropped,
    fromMs: startMs + moved[0].start_s * 1000,
    toMs: startMs + moved.at(-1)!.end_s * 1000,
    startMs,
  });
  return figures;
}
