import { z } from 'zod';
import { machineFactsSchema } from './machine.ts';

/** What every mode's summary.json states besides its own figures: which run, on which data, when and where. */
export const runFactsShape = {
  run_id: z.string(),
  preset: z.string(),
  dates: z.number(),
  seed: z.number(),
  started_at: z.string(),
  finished_at: z.string(),
  machine: machineFactsSchema,
};
