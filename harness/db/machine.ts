import os from 'node:os';
import { z } from 'zod';
import type { Database } from './database.ts';

/** Where a run's figures were measured, as every summary.json records it. */
export const machineFactsSchema = z.object({
  cpus: z.number(),
  node: z.string(),
  postgres: z.string(),
  os: z.string(),
  database: z.enum(['embedded', 'external']),
  /** the server's temp_file_limit per session and how it was chosen (absent in runs before it was recorded) */
  temp_file_limit: z.object({ setting: z.string(), basis: z.string() }).optional(),
});
export type MachineFacts = z.infer<typeof machineFactsSchema>;

export function machineFacts(db: Database): MachineFacts {
  return {
    cpus: os.cpus().length,
    node: process.version,
    postgres: db.postgresVersion,
    os: `${os.type()} ${os.release()}`,
    database: db.kind,
    temp_file_limit: db.tempFileLimit,
  };
}
