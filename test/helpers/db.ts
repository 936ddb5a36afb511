import path from 'node:path';
import { stateDir } from '../../scripts/lib/paths.ts';
import { openDataset, type OpenedDataset } from '../../scripts/lib/dataset.ts';

/** Tests run on their own embedded server and data folder, never on the one a user's runs use. */
export const testDataDir = path.join(stateDir, 'test-pgdata');

/** A seeded (or reused) dataset on the test server; call `close()` in the test's `after`. */
export async function testDataset(preset = 'tiny', seed = 42): Promise<OpenedDataset & { close(): Promise<void> }> {
  const opened = await openDataset({ preset, seed, dataDir: testDataDir });
  return { ...opened, close: () => opened.db.close() };
}
