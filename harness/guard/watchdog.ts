import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../../common/user-error.ts';
import { cancelRunningQueries } from '../db/cancel.ts';
import { localDataDir, type Database } from '../db/database.ts';
import type { RunFolder } from '../files/run-folder.ts';
import { bytes, diskFloor, diskSpace, pgTempBytes, type Floor } from '../db/disk.ts';
import { externalProbe, postmasterProbe, type Probe } from './probes.ts';
import { RunFault } from './fault.ts';
import { wasSignalled } from '../process/cleanup.ts';

/** disks and processes are looked at this often: a fault is noticed within about a quarter of a second */
const CHECK_MS = 250;
/** after a fault, the run gets this long to stop its load and write what it has before the command ends anyway */
const UNWIND_MS = 10_000;

interface WatchedDisk {
  labels: string[];
  dir: string;
  dev: number;
  floor: Floor;
  total: number;
  startFree: number;
  /** PostgreSQL's data folder when it is on this disk: its temp files are a figure worth stating */
  pgData?: string;
}

/**
 * Watches what a long command depends on (the free space of the database's and the run folder's disks, the
 * database server, the shop and runner processes) and stops the run on the first fault: the load is aborted
 * through `signal`, the run folder is marked INCOMPLETE with the reason and the figures so far, and the command
 * ends with one line. Any long command (incident, capacity, audit, partition, timeline) uses it the same way:
 *
 *   const watchdog = new Watchdog(say);
 *   watchdog.watchRunDisks(runDir);                      // before the folder exists: refuses a start below the floor
 *   const folder = RunFolder.create(...);
 *   await watchdog.run(folder, async (signal) => {
 *     const ds = await openDataset({ ..., signal });
 *     const unwatch = watchdog.watchDatabase(ds.db);     // unwatch before closing it: a stop is not a crash
 *     const shop = await startShopProcess(...);
 *     watchdog.watchProcess('shop', 'the shop (after)', shop.unexpectedEnd);
 *     await playLoad({ ..., signal, watchdog });         // load/load-step.ts: a crashed runner throws a RunFault
 *     watchdog.record('step 1: ...');                    // figures so far, for the marker
 *   });
 */
export class Watchdog {
  private readonly controller = new AbortController();
  /** aborted with the RunFault on the first fault: pass it to whatever runs the load */
  readonly signal: AbortSignal = this.controller.signal;
  private readonly disks: WatchedDisk[] = [];
  private readonly probes = new Set<Probe>();
  private readonly sofar: string[] = [];
  private readonly started = Date.now();
  private timer?: NodeJS.Timeout;
  private fault?: RunFault;
  private rejectRun?: (f: RunFault) => void;
  private dbUrl?: string;
  private stopped = false;

  constructor(private readonly say: (line: string) => void) {}

  /**
   * Watches the disk holding `dir` (or its nearest existing parent) against its floor. Throws the disk fault at
   * once when the disk is already below it, so a run that cannot fit does not start.
   */
  watchDisk(label: string, dir: string, pgData?: string): void {
    let at = path.resolve(dir);
    while (!existsSync(at)) at = path.dirname(at);
    const dev = statSync(at).dev;
    let disk = this.disks.find((d) => d.dev === dev);
    if (!disk) {
      const space = diskSpace(at);
      disk = { labels: [], dir: at, dev, floor: diskFloor(space.total), total: space.total, startFree: space.free };
      this.disks.push(disk);
    }
    if (!disk.labels.includes(label)) disk.labels.push(label);
    disk.pgData ??= pgData;
    const free = diskSpace(disk.dir).free;
    if (free < disk.floor.bytes) {
      const fault = this.diskFault(disk, free);
      throw this.timer ? fault : new UserError(`not starting: ${fault.reason}`);
    }
  }

  /** The disks every run writes to: the embedded server's data folder (unless DATABASE_URL) and the run folder. */
  watchRunDisks(runDir: string): void {
    const dataDir = localDataDir();
    if (dataDir) this.watchDisk("the database's data folder", dataDir, dataDir);
    this.watchDisk('the run folder', runDir);
  }

  /** Watches the database server: the embedded postmaster's process, or a connection to an external server. */
  watchDatabase(db: Database): () => void {
    if (db.server) this.watchDisk("the database's data folder", db.server.dataDir, db.server.dataDir);
    const probe = db.server ? postmasterProbe(db.server) : externalProbe(db.url);
    this.probes.add(probe);
    this.dbUrl = db.url;
    return () => {
      this.probes.delete(probe);
      probe.close();
    };
  }

  /** Watches a child that must not end by itself (shop, worker): its end, before stop() is asked, is a fault. */
  watchProcess(kind: RunFault['kind'], name: string, unexpectedEnd: Promise<string>): void {
    void unexpectedEnd.then((how) => this.trip(new RunFault(kind, `${name} ended unexpectedly (${how})`)));
  }

  /** A figure measured so far (a finished variant, a capacity step), for the INCOMPLETE marker. */
  record(line: string): void {
    this.sofar.push(line);
  }

  /**
   * Runs the command's body under watch. On a fault (noticed here, or a RunFault the body throws, such as a
   * killed runner) the body gets up to 10 s to stop its load and save its figures, then the run folder is marked
   * INCOMPLETE and the fault is thrown: one line, exit 1.
   */
  async run<T>(
    folder: Pick<RunFolder, 'dir' | 'markIncomplete'>,
    body: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    const tripped = new Promise<never>((_, reject) => (this.rejectRun = reject));
    tripped.catch(() => {});
    if (this.fault) this.rejectRun?.(this.fault);
    this.timer = setInterval(() => this.tick(), CHECK_MS);
    this.timer.unref();
    const work = body(this.signal);
    try {
      return await Promise.race([work, tripped]);
    } catch (err) {
      // Ctrl-C stops the children itself: their ends are not faults, and the folder says 'interrupted'
      if (wasSignalled()) throw err;
      if (err instanceof RunFault) this.trip(err);
      // an error of the body can be the first sign of a fault not yet noticed (a query on a server just killed,
      // a request to a shop whose exit is still on its way)
      else if (!this.fault) {
        await this.checkNow();
        // held: with nothing else left running (an error before any child started), an unref'd timer would
        // let the process end here, mid-await, with exit 13 instead of the error's one line
        if (!this.fault) await sleep(500, this.signal, true);
      }
      const fault = this.fault;
      if (!fault) throw err;
      await Promise.race([
        work.then(
          () => {},
          () => {},
        ),
        sleep(UNWIND_MS),
      ]);
      folder.markIncomplete(fault.reason, [...fault.figures, ...this.sofar]);
      fault.message = `${fault.message}; run folder marked INCOMPLETE: ${folder.dir}`;
      throw fault;
    } finally {
      this.stop();
    }
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    for (const p of this.probes) p.close();
    this.probes.clear();
  }

  private trip(fault: RunFault): void {
    if (this.fault || this.stopped || wasSignalled()) return;
    this.fault = fault;
    fault.figures.push(
      `noticed ${((Date.now() - this.started) / 1000).toFixed(1)} s after the watch began, at ${new Date().toISOString()}`,
    );
    this.say(`fault: ${fault.reason}; stopping the load`);
    this.controller.abort(fault);
    // spilling queries keep their temp files until they end: end them now, so the disk gets its space back
    if (fault.kind === 'disk' && this.dbUrl) void cancelRunningQueries(this.dbUrl).catch(() => {});
    this.rejectRun?.(fault);
  }

  private checkDisks(): void {
    for (const d of this.disks) {
      let free: number;
      try {
        free = diskSpace(d.dir).free;
      } catch {
        continue; // the folder was removed under us: nothing to measure
      }
      if (free < d.floor.bytes) return this.trip(this.diskFault(d, free));
    }
  }

  private tick(): void {
    if (this.fault) return;
    this.checkDisks();
    for (const p of this.probes)
      p.poll().then(
        (f) => f && this.trip(f),
        () => {},
      );
  }

  private async checkNow(): Promise<void> {
    this.checkDisks();
    for (const p of this.probes) {
      const f = await p.poll(true).catch(() => undefined);
      if (f) this.trip(f);
    }
  }

  private diskFault(d: WatchedDisk, free: number): RunFault {
    const temp = d.pgData ? pgTempBytes(d.pgData) : null;
    return new RunFault(
      'disk',
      `only ${bytes(free)} free on the disk of ${d.labels.join(' and ')} (${d.dir}), below the floor of ${bytes(d.floor.bytes)} (${d.floor.basis})`,
      [
        `disk: ${bytes(free)} free of ${bytes(d.total)} at the stop, ${bytes(d.startFree)} when the watch began; floor ${bytes(d.floor.bytes)}`,
        ...(temp !== null ? [`PostgreSQL temporary files at the stop: ${bytes(temp)}`] : []),
      ],
    );
  }
}

function sleep(ms: number, signal?: AbortSignal, hold = false): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    if (!hold) t.unref();
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });
}
