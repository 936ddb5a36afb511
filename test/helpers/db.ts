import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stateDir } from '../../harness/files/paths.ts';
import { openDataset, type OpenedDataset } from '../../harness/db/dataset.ts';
import { effectiveDataDir } from '../../harness/db/server-files.ts';

/** The preset and seed most tests run on, which the template below holds already seeded. */
const TEMPLATE_PRESET = 'tiny';
const TEMPLATE_SEED = 42;

/**
 * A stopped server with the tiny preset seeded, which test/run.ts prepares before the files start: a test file's
 * new data folder begins as a copy of it, a fraction of the time initdb and a seed take in every file.
 */
export const templateDataDir = path.join(stateDir, 'test-pgdata-template');

/** Seeds (or reuses) the template and stops its server again; with DATABASE_URL there is nothing to copy. */
export async function prepareTemplate(): Promise<void> {
  if (process.env.DATABASE_URL?.trim()) return;
  const opened = await openDataset({ preset: TEMPLATE_PRESET, seed: TEMPLATE_SEED, dataDir: templateDataDir });
  await opened.db.close();
}

/**
 * A new data folder as a copy of the template, when the template is there and was shut down cleanly (no pid
 * file); else the first command initialises the folder as usual. `cp -a` keeps the owner, the 'postgres' user
 * when tests run as root. Copied beside the folder and renamed, so a folder is whole or absent.
 */
function fromTemplate(dataDir: string): void {
  const template = effectiveDataDir(templateDataDir);
  const target = effectiveDataDir(dataDir);
  if (existsSync(target) || !existsSync(path.join(template, 'PG_VERSION'))) return;
  if (existsSync(path.join(template, 'postmaster.pid'))) return;
  const copy = `${target}.copy-${process.pid}`;
  // under the shared root (the 'postgres' user cannot enter the project folder) the folder's parent is new too
  mkdirSync(path.dirname(target), { recursive: true, mode: 0o755 });
  try {
    execFileSync('cp', ['-a', template, copy]);
    renameSync(copy, target);
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

/**
 * The data folder, and so the embedded server, of one test file alone, never the one a user's runs use. Test
 * files run at the same time (test/run.ts): a server is stopped by the process that started it, so two files on
 * one folder would stop it under each other, and the load tests' carts and orders would change what the shop's
 * tests count. `testFile` is the file's import.meta.url.
 */
export function ownDataDir(testFile: string): string {
  const name = path.basename(fileURLToPath(testFile)).replace(/\.test\.ts$/, '');
  const dataDir = path.join(stateDir, `test-pgdata-${name}`);
  fromTemplate(dataDir);
  return dataDir;
}

/** A seeded (or reused) dataset on the test file's own server; call `close()` in the test's `after`. */
export async function testDataset(
  dataDir: string,
  preset = TEMPLATE_PRESET,
  seed = TEMPLATE_SEED,
): Promise<OpenedDataset & { close(): Promise<void> }> {
  const opened = await openDataset({ preset, seed, dataDir });
  return { ...opened, close: () => opened.db.close() };
}
