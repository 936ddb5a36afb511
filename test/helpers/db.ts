import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stateDir } from '../../harness/files/paths.ts';
import { openDataset, type OpenedDataset } from '../../harness/db/dataset.ts';

/**
 * The data folder, and so the embedded server, of one test file alone, never the one a user's runs use. Test
 * files run at the same time (test/run.ts): a server is stopped by the process that started it, so two files on
 * one folder would stop it under each other, and the load tests' carts and orders would change what the shop's
 * tests count. `testFile` is the file's import.meta.url.
 */
export function ownDataDir(testFile: string): string {
  const name = path.basename(fileURLToPath(testFile)).replace(/\.test\.ts$/, '');
  return path.join(stateDir, `test-pgdata-${name}`);
}

/** A seeded (or reused) dataset on the test file's own server; call `close()` in the test's `after`. */
export async function testDataset(
  dataDir: string,
  preset = 'tiny',
  seed = 42,
): Promise<OpenedDataset & { close(): Promise<void> }> {
  const opened = await openDataset({ preset, seed, dataDir });
  return { ...opened, close: () => opened.db.close() };
}
