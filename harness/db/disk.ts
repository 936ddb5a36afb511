import { readdirSync, statfsSync, statSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../../common/user-error.ts';
import { fmtBytes } from '../cli/format.ts';

/**
 * Disk space, the floor a run keeps free, and the temp_file_limit that follows from both. The old query
 * spills hundreds of MiB per call onto the disk that also holds the WAL, and PostgreSQL stops hard when it
 * cannot write WAL: the limit makes a spilling query fail (like a timeout) long before that, and the watchdog
 * stops the run if the disk still runs low (WAL, other programs, sessions outside the shop's pool).
 */
const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
export const DEFAULT_FLOOR_BYTES = 2 * GiB;
export const DEFAULT_FLOOR_SHARE = 0.05;

export interface DiskSpace {
  /** bytes an unprivileged writer (the postgres user) can still use */
  free: number;
  total: number;
}

export function diskSpace(dir: string): DiskSpace {
  const s = statfsSync(dir);
  return { free: s.bavail * s.bsize, total: s.blocks * s.bsize };
}

export const bytes = (n: number): string => fmtBytes(n) ?? `${n} B`;

export interface Floor {
  bytes: number;
  /** how it was chosen, for messages */
  basis: string;
}

const UNIT: Record<string, number> = {
  b: 1,
  kb: 1e3,
  kib: 1024,
  mb: 1e6,
  mib: MiB,
  gb: 1e9,
  gib: GiB,
  tb: 1e12,
  tib: 1024 * GiB,
};

/** The free space a run keeps: the larger of 2 GiB and 5 % of the disk, or LOADLAB_DISK_FLOOR (a size or a share). */
export function diskFloor(total: number, env: NodeJS.ProcessEnv = process.env): Floor {
  const raw = env.LOADLAB_DISK_FLOOR?.trim();
  if (!raw) {
    return {
      bytes: Math.max(DEFAULT_FLOOR_BYTES, Math.round(total * DEFAULT_FLOOR_SHARE)),
      basis: 'the larger of 2 GiB and 5 % of the disk',
    };
  }
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*|%)$/i.exec(raw);
  const unit = m?.[2].toLowerCase() ?? '';
  const factor = unit === '%' ? total / 100 : UNIT[unit || 'b'];
  if (!m || factor === undefined || (unit === '%' && Number(m[1]) > 100)) {
    throw new UserError(
      `LOADLAB_DISK_FLOOR '${raw}' is not a size (accepted: a size such as 2GiB, 500MiB or 1GB, or a share of the disk such as 5%)`,
    );
  }
  return { bytes: Math.round(Number(m[1]) * factor), basis: `LOADLAB_DISK_FLOOR=${raw}` };
}

export interface TempFileLimit {
  /** the setting's value in kB, as PostgreSQL takes it */
  kB: number;
  basis: string;
}

/**
 * temp_file_limit (per session) so that every session that can spill at once (the shop's pool and one more,
 * for EXPLAIN or a calibration) together stay above the floor: (free - floor) / sessions, at least 1 MiB.
 */
export function sizeTempFileLimit(space: DiskSpace, floor: Floor, sessions: number): TempFileLimit {
  const headroom = space.free - floor.bytes;
  // whole MiB, so the server reports it as '5910MB' rather than '6051782kB'
  const kB = Math.max(1, Math.floor(headroom / sessions / MiB)) * 1024;
  const basis =
    headroom > 0
      ? `${bytes(space.free)} free above a floor of ${bytes(floor.bytes)} (${floor.basis}), shared by ${sessions} sessions that can spill at once`
      : `the disk is already below its floor (${bytes(space.free)} free, floor ${bytes(floor.bytes)}): the 1 MiB minimum`;
  return { kB, basis };
}

/** Bytes in PostgreSQL's temporary files right now (base/pgsql_tmp of the data folder), or null when unreadable. */
export function pgTempBytes(dataDir: string): number | null {
  const sizeOf = (p: string): number => {
    try {
      const st = statSync(p);
      // shared filesets (parallel workers) are folders of files
      return st.isDirectory() ? readdirSync(p).reduce((sum, f) => sum + sizeOf(path.join(p, f)), 0) : st.size;
    } catch {
      return 0; // removed while we looked
    }
  };
  const dir = path.join(dataDir, 'base', 'pgsql_tmp');
  try {
    return readdirSync(dir).reduce((sum, f) => sum + sizeOf(path.join(dir, f)), 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 0 : null;
  }
}
