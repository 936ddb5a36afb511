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
  const db = await openDatabase({ dataDir: req.dataDir, database: `loadlab_${spec.name.replace(/-/g, '_')}`, log: req.log });
  try {
    const result = await prepareDataset(db.url, { spec, seed, force: req.force, log: req.log, signal: interruption() });
    return { db, spec, seed, result };
  } catch (err) {
    await db.close();
    throw err;
  }
}

