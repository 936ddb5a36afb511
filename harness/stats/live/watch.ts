import { appendFileSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describeError } from '../../../common/user-error.ts';
import { platformLine } from './advice.ts';
import { Journal, type ServerCost } from './journal.ts';
import { WatchedServer } from './server.ts';
import { judge } from './verdict.ts';
import { RollingWindow } from './window.ts';
import { DIAGNOSE_SCHEMA, type DiagnoseLine, type ServerVerdict } from './types.ts';

export interface WatchOptions {
  /** postgres:// URLs of the servers to watch (a primary and its replicas) */
  urls: string[];
  /** a verdict every intervalS seconds (default 1) */
  intervalS?: number;
  /** over the last windowS seconds (default 60) */
  windowS?: number;
  /** pg_stat_activity samples per second (default 4) */
  samplesPerS?: number;
  /** a run folder: diagnosis.ndjson as it goes, diagnosis.md at stop() */
  out?: string;
  /** every interval's line, and the verdicts that changed with it (piped output prints those) */
  onLine?: (line: DiagnoseLine, changed: string[]) => void;
  /** faults and notes, one line each (a server gone, pg_stat_statements missing) */
  onNote?: (line: string) => void;
}

export interface WatchSummary {
  elapsed_ms: number;
  /** diagnose's own cost on each server, as diagnosis.md states it */
  costs: ServerCost[];
}

export interface DiagnosisHandle {
  /** stops watching, writes diagnosis.md (when `out` was given), closes the connections; safe to call twice */
  stop(): Promise<WatchSummary>;
  readonly journal: Journal;
}

/** One server under watch: its connection, its window, and whether it answers. */
class Watched {
  readonly window: RollingWindow;
  /** a failed read took the server away; each interval tries to reconnect */
  gone = false;
  private reconnecting = false;
  private cutSaid = false;
  sampling: Promise<void> | undefined;

  constructor(
    readonly server: WatchedServer,
    windowS: number,
    private readonly say: (line: string) => void,
    private readonly stopped: () => boolean,
  ) {
    this.window = new RollingWindow(windowS * 1000);
  }

  lose(err: unknown): void {
    if (this.gone || this.stopped()) return;
    this.gone = true;
    this.say(`${this.server.name} went away (${describeError(err) || 'connection lost'}); watching the others`);
    void this.server.close();
  }

  reconnect(): void {
    if (this.reconnecting || this.stopped()) return;
    this.reconnecting = true;
    this.server
      .open()
      .then(
        () => {
          if (this.stopped()) return this.server.close();
          this.gone = false;
          this.window.restart();
          this.say(`${this.server.name} answers again`);
        },
        () => {},
      )
      .finally(() => {
        this.reconnecting = false;
      });
  }

  sample(): void {
    if (this.gone || this.sampling) return;
    this.sampling = this.server
      .sampleActivity()
      .then(
        (s) => {
          this.window.addSample(s);
          if (!this.cutSaid && s.active.some((a) => a.truncated && a.tags === null)) this.sayCut();
        },
        (err) => this.lose(err),
      )
      .finally(() => {
        this.sampling = undefined;
      });
  }

  /** said once: the tenant of a statement longer than pg_stat_activity keeps is unknown, and the fix is a setting */
  private sayCut(): void {
    this.cutSaid = true;
    const size = this.server.facts?.querySize ?? 1024;
    // a size above the one that cut the statement: advising 4096 to a server already at 4096 helped nobody
    const advice = Math.max(4096, size * 4);
    this.say(
      `${this.server.name}: statements longer than track_activity_query_size (${size} bytes) lose their sqlcommenter tags in pg_stat_activity, so their tenant shows as unknown; raise it (e.g. to ${advice}, needs a restart)`,
    );
  }

  /** this interval's verdict, or null when the server does not answer */
  async verdict(): Promise<ServerVerdict | null> {
    if (this.gone) {
      this.reconnect();
      return null;
    }
    try {
      const { snapshot, role } = await this.server.snapshot();
      this.window.addSnapshot(snapshot);
      const j = judge(this.window.figures(), {
        blockSize: this.server.facts?.blockSize ?? 8192,
        describe: (fp) => this.server.describe(fp),
      });
      return { name: this.server.name, role, ...j };
    } catch (err) {
      this.lose(err);
      return null;
    }
  }
}

/** Opens every server first: a bad URL or a role without pg_monitor fails at once, before anything runs. */
async function openAll(urls: string[]): Promise<{ servers: WatchedServer[]; notes: string[] }> {
  const servers = urls.map((url) => new WatchedServer(url));
  const opened = await Promise.allSettled(servers.map((s) => s.open()));
  const failed = opened.find((r) => r.status === 'rejected');
  if (failed) {
    await Promise.all(servers.map((s) => s.close()));
    throw (failed as PromiseRejectedResult).reason;
  }
  return { servers, notes: opened.flatMap((r) => (r.status === 'fulfilled' ? r.value : [])) };
}

/** written whole or not at all: a second Ctrl-C must not leave half a report */
function writeWhole(file: string, text: string): void {
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}

/**
 * Watches the servers beside whatever else runs (a mode starts it beside its load and stops it at the end):
 * pg_stat_activity several times a second, counters once per interval, a verdict per server per interval.
 * A server that goes away is reported once and watched again when it answers; the others go on.
 */
export async function watchDiagnosis(o: WatchOptions): Promise<DiagnosisHandle> {
  const intervalMs = (o.intervalS ?? 1) * 1000;
  const windowS = o.windowS ?? 60;
  const notes: string[] = [];
  const say = (line: string) => {
    notes.push(`${new Date().toISOString().slice(11, 19)} ${line}`);
    o.onNote?.(line);
  };
  const { servers, notes: opening } = await openAll(o.urls);
  for (const n of opening) say(n);

  const ndjson = o.out ? path.join(o.out, 'diagnosis.ndjson') : undefined;
  if (o.out && ndjson) {
    mkdirSync(o.out, { recursive: true });
    writeFileSync(ndjson, '');
  }
  let stopped = false;
  const watched = servers.map((s) => new Watched(s, windowS, say, () => stopped));
  const journal = new Journal();
  const startedAt = Date.now();

  const interval = async (): Promise<void> => {
    const verdicts = (await Promise.all(watched.map((w) => w.verdict()))).filter((v) => v !== null);
    const unreachable = watched.filter((w) => w.gone).map((w) => w.server.name);
    const line: DiagnoseLine = {
      schema: DIAGNOSE_SCHEMA,
      at: new Date().toISOString(),
      window_s: windowS,
      servers: verdicts,
      platform: platformLine(verdicts, unreachable),
      unreachable,
    };
    const changed = journal.add(line);
    if (ndjson) appendFileSync(ndjson, `${JSON.stringify(line)}\n`);
    o.onLine?.(line, changed);
  };

  let running: Promise<void> | undefined;
  const sampleAll = () => {
    for (const w of watched) w.sample();
  };
  const sampler = setInterval(sampleAll, 1000 / (o.samplesPerS ?? 4));
  const ticker = setInterval(() => {
    // a slow server must not pile intervals up
    running ??= interval()
      .catch((err) => say(`interval failed: ${describeError(err)}`))
      .finally(() => {
        running = undefined;
      });
  }, intervalMs);
  sampleAll();

  let stopping: Promise<WatchSummary> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      stopped = true;
      clearInterval(sampler);
      clearInterval(ticker);
      await running;
      await Promise.all(watched.map((w) => w.sampling));
      const elapsedMs = Date.now() - startedAt;
      await Promise.all(servers.map((s) => s.close()));
      const costs = servers.map((s) => ({
        name: s.name,
        round_trip_ms: s.ownMs,
        exec_ms: s.ownExecMs,
        backend_cpu_ms: s.backendCpuMs(),
      }));
      if (o.out) {
        const md = journal.markdown({ windowS, intervalS: intervalMs / 1000, costs, elapsedMs, notes });
        writeWhole(path.join(o.out, 'diagnosis.md'), md);
      }
      return { elapsed_ms: elapsedMs, costs };
    })());
  return { stop, journal };
}
