import { renameSync, writeFileSync } from 'node:fs';

/** Writes a file completely or not at all: a reader never sees half of it. */
export function writeAtomic(file: string, content: string | Uint8Array): void {
  const tmp = `${file}.partial-${process.pid}`;
  writeFileSync(tmp, content);
  renameSync(tmp, file);
}
