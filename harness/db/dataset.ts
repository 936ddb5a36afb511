import { openDatabase, type Database, type OpenOptions } from './database.ts';
import { interruption } from '../process/cleanup.ts';
import { prepareDataset, type PrepareResult } from '../../datasets/prepare.ts';
import { parseSeed, presetSpec, type DatasetSpec } from '../../datasets/presets.ts';

export interface DatasetRequest {
  /** a preset name, or a spec (capacity sweeps use custom date counts) */
  preset: string | DatasetSpec;
  seed?: string | number;
  force?: boolean;
  dataDir?: OpenOptions['dataDir'];
  log?: (line: string) => void;
  /** besides Ctrl-C, this stops a seed before its commit (a watchdog's fault) */
  signal?: AbortSignal;
  /** a mode's own preconditions on the opened server, checked before anything is seeded */
  check?: (db: Database) => Promise<void>;
  /** the embedded server's database (default loadlab_<preset>); ignored with DATABASE_URL */
  database?: string;
  /** seed anew even when the same dataset is there, in a database of the harness's own: on the embedded
   * server only (with DATABASE_URL the usual reuse-or-refuse rules hold) */
  fresh?: boolean;
}

export interface OpenedDataset {
  db: Database;
  spec: DatasetSpec;
  seed: number;
  result: PrepareResult;
}

/** The one way commands get a seeded database: validate the request, open the server, seed or reuse. */
export async function openDataset(req: DatasetRequest): Promise<OpenedDataset> {
  const spec = typeof req.preset === 'string' ? presetSpec(req.preset) : req.preset;
  const seed = typeof req.seed === 'number' ? req.seed : parseSeed(req.seed);
  const db = await openDatabase({
    dataDir: req.dataDir,
    database: req.database ?? `loadlab_${spec.name.replace(/-/g, '_')}`,
    log: req.log,
  });
  try {
    await req.check?.(db);
    const force = req.force || (req.fresh === true && db.kind === 'embedded');
    const result = await prepareDataset(db.url, {
      spec,
      seed,
      force,
      log: req.log,
      signal: req.signal ? AbortSignal.any([interruption(), req.signal]) : interruption(),
    });
    return { db, spec, seed, result };
  } catch (err) {
    await db.close();
    throw err;
  }
}
