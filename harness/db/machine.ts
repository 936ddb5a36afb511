import os from 'node:os';
import type { Database } from './database.ts';

/** Where a run's figures were measured, as every summary.json records it. */
export interface MachineFacts {
  cpus: number;
  node: string;
  postgres: string;
  os: string;
  database: 'embedded' | 'external';
  /** the server's temp_file_limit per session and how it was chosen */
  temp_file_limit: { setting: string; basis: string };
}

export function machineFacts(db: Database): MachineFacts {
  return { cpus: os.cpus().length, node: process.version, postgres: db.postgresVersion, os: `${os.type()} ${os.release()}`, database: db.kind, temp_file_limit: db.tempFileLimit };
}
