import path from 'node:path';
import { stateDir } from '../../harness/files/paths.ts';
import { openDataset, type OpenedDataset } from '../../harness/db/dataset.ts';

/** Tests run on their own embedded server and data folder, never on the one a user's runs use. */
export const testDataDir = path.join(stateDir, 'test-pgdata');

/**
 * Load tests (incident, gate, capacity) leave carts and orders behind, as real traffic would: they get a server
 * of their own, so the shop's tests keep seeing the seeded state.
 */
export const loadTestDataDir = path.join(stateDir, 'test-load-pgdata');

/** A seeded (or reused) dataset on the test server; call `close()` in the test's `after`. */
export async function testDataset(preset = 'tiny', seed = 42): Promise<OpenedDataset & { close(): Promise<void> }> {
  const opened = await openDataset({ preset, seed, dataDir: testDataDir });
  return { ...opened, close: () => opened.db.close() };
}
