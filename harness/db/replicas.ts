/**
 * A primary and its streaming replicas, as pretix ran its database servers. The embedded package ships initdb,
 * pg_ctl and postgres but no pg_basebackup, so a replica starts from a copy of the primary's data folder taken
 * while the primary is stopped, with standby.signal and primary_conninfo; it then streams the primary's WAL.
 * Every server runs under the same supervision as the embedded one (setpriv's death signal, the cleanups).
 */
import { execFile } from 'node:child_process';
import { chownSync, existsSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { UserError } from '../../common/user-error.ts';
import type { Database } from './database.ts';
import { startEmbedded, type EmbeddedServer } from './embedded.ts';
import { pidAlive } from './server-processes.ts';
import { freeLoopbackPort } from '../process/ports.ts';

const run = promisify(execFile);

export type ServerRole = 'primary' | 'replica';

/** One server of the platform: the primary or a replica, embedded (ours to restart) or external. */
export interface PlatformServer {
  name: string;
  role: ServerRole;
  url: string;
  /** the postmaster's pid, when the server is ours */
  pid(): number | undefined;
}

export interface Platform {
  servers: PlatformServer[];
  primary: PlatformServer;
  /** true when the harness started the servers and can restart them */
  owned: boolean;
  /** resolves with a reason when any server ends without being asked (killed, crashed) */
  unexpectedEnd: Promise<string>;
  /** stops and starts one server; resolves with the ms it took, or null when the server is not ours */
  restart(name: string): Promise<number | null>;
  stop(): Promise<void>;
}

/** the primary's WAL for its replicas; the standbys' settings on top */
export const PRIMARY_SETTINGS: Readonly<Record<string, string>> = {
  wal_level: 'replica',
  max_wal_senders: '10',
  // a restarted replica catches up from the primary's pg_wal without a slot: keep enough of it
  wal_keep_size: '1GB',
};

export function replicaSettings(name: string, primaryPort: number): Record<string, string> {
  return {
    ...PRIMARY_SETTINGS,
    hot_standby: 'on',
    // long product-list reads would otherwise be cancelled when the primary's vacuum removes rows they may see
    hot_standby_feedback: 'on',
    primary_conninfo: `host=127.0.0.1 port=${primaryPort} user=postgres application_name=${name}`,
  };
}

export const replicaName = (i: number): string => `replica-${i + 1}`;

/** where replica i keeps its data: beside the primary's folder */
export function replicaDataDir(primaryDir: string, i: number): string {
  return `${primaryDir}-${replicaName(i)}`;
}

interface Slot {
  name: string;
  role: ServerRole;
  dataDir: string;
  port: number;
  settings: Record<string, string>;
  server?: EmbeddedServer;
}

/**
 * The day's platform over the dataset's open database. Embedded: the primary is stopped, started once with
 * WAL for replicas (a copy of a folder last run with wal_level=minimal cannot stand by) and stopped again, its
 * folder copied per replica, then all start. External (DATABASE_URL): the URLs given, none restarted by us.
 */
export async function startPlatform(o: {
  db: Database;
  replicas: number;
  replicaUrls: string[];
  database: string;
  log: (line: string) => void;
}): Promise<Platform> {
  if (o.db.kind === 'external') return externalPlatform(o.db.url, o.replicaUrls);
  if (o.replicas === 0) return singleServer(o.db);
  const first = o.db.server!;
  if (!first.owned)
    throw new UserError(
      `the embedded PostgreSQL on ${first.dataDir} is run by another loadlab command (pid ${first.pid}); replicas need to restart it (stop that command, or run with --replicas 0)`,
    );
  const primary: Slot = {
    name: 'primary',
    role: 'primary',
    dataDir: first.dataDir,
    port: first.port,
    settings: { ...PRIMARY_SETTINGS },
  };
  const slots: Slot[] = [primary];
  await first.stop();
  if (o.replicas > 0) {
    await startSlot(primary, o.database, o.log);
    await primary.server!.stop();
    primary.server = undefined;
    for (let i = 0; i < o.replicas; i++) {
      const dataDir = replicaDataDir(first.dataDir, i);
      await copyDataDir(first.dataDir, dataDir);
      const port = await freeLoopbackPort();
      slots.push({
        name: replicaName(i),
        role: 'replica',
        dataDir,
        port,
        settings: replicaSettings(replicaName(i), primary.port),
      });
    }
  }
  const ended = { stopped: false };
  try {
    for (const s of slots) await startSlot(s, o.database, o.log);
  } catch (err) {
    for (const s of slots) await s.server?.stop();
    throw err;
  }
  const urlOf = (s: Slot) => `postgres://postgres@127.0.0.1:${s.port}/${o.database}`;
  const restarting = new Set<string>();
  const servers = slots.map(
    (s): PlatformServer => ({ name: s.name, role: s.role, url: urlOf(s), pid: () => s.server?.pid }),
  );
  return {
    owned: true,
    servers,
    primary: servers[0],
    unexpectedEnd: watchEnds(slots, restarting, ended),
    restart: async (name) => {
      const s = slots.find((x) => x.name === name);
      if (!s) throw new UserError(`no server '${name}' (accepted: ${slots.map((x) => x.name).join(', ')})`);
      const t0 = performance.now();
      restarting.add(name);
      try {
        await s.server?.stop('fast');
        await startSlot(s, o.database, () => {});
      } finally {
        restarting.delete(name);
      }
      return Math.round(performance.now() - t0);
    },
    stop: async () => {
      ended.stopped = true;
      // replicas first: a primary stopping under its standbys makes them log reconnect attempts, nothing worse
      for (const s of [...slots].reverse()) await s.server?.stop();
    },
  };
}

async function startSlot(s: Slot, database: string, log: (l: string) => void): Promise<void> {
  s.server = await startEmbedded({ dataDir: s.dataDir, port: s.port, database, settings: s.settings, log });
  log(`${s.name} (${s.role}) on 127.0.0.1:${s.port}, pid ${s.server.pid}`);
}

/** polls the servers' supervision; a server being restarted on purpose is not an end */
function watchEnds(slots: Slot[], restarting: Set<string>, ended: { stopped: boolean }): Promise<string> {
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      if (ended.stopped) return clearInterval(timer);
      for (const s of slots) {
        if (restarting.has(s.name) || !s.server) continue;
        const how = s.server.unexpectedEnd() ?? (pidAlive(s.server.pid) ? undefined : 'its process is gone');
        if (how === undefined) continue;
        clearInterval(timer);
        resolve(`${s.name}, pid ${s.server.pid}: ${how}`);
        return;
      }
    }, 250);
    timer.unref();
  });
}

/** The primary's folder as a standby's: copied whole while the primary is stopped, then marked to stand by. */
async function copyDataDir(from: string, to: string): Promise<void> {
  rmSync(to, { recursive: true, force: true });
  // cp -a keeps the owner (the 'postgres' user when we run as root) and the 0700 mode PostgreSQL insists on
  await run('cp', ['-a', '--reflink=auto', from, to]);
  for (const f of ['postmaster.pid', 'postmaster.opts', 'standby.signal']) rmSync(path.join(to, f), { force: true });
  const signal = path.join(to, 'standby.signal');
  writeFileSync(signal, '');
  const { uid, gid } = statSync(to);
  if (process.getuid?.() === 0) chownSync(signal, uid, gid);
  if (!existsSync(path.join(to, 'PG_VERSION'))) throw new UserError(`copying ${from} to ${to} left no PG_VERSION`);
}

/** today's single server, as the dataset opened it: nothing restarted, nothing copied */
function singleServer(db: Database): Platform {
  const primary: PlatformServer = { name: 'primary', role: 'primary', url: db.url, pid: () => db.server?.pid };
  return {
    owned: false,
    servers: [primary],
    primary,
    // the dataset's own watch (withDataset) already covers this server
    unexpectedEnd: new Promise<string>(() => {}),
    restart: async () => null,
    stop: async () => {},
  };
}

function externalPlatform(primaryUrl: string, replicaUrls: string[]): Platform {
  const servers: PlatformServer[] = [
    { name: 'primary', role: 'primary', url: primaryUrl, pid: () => undefined },
    ...replicaUrls.map(
      (url, i): PlatformServer => ({ name: replicaName(i), role: 'replica', url, pid: () => undefined }),
    ),
  ];
  return {
    owned: false,
    servers,
    primary: servers[0],
    unexpectedEnd: new Promise<string>(() => {}),
    restart: async () => null,
    stop: async () => {},
  };
}
