#!/usr/bin/env tsx
// Seed (or reuse) a pretix-shaped dataset: npm run dataset:prepare -- --preset tiny [--seed N] [--force]
import { runCommand } from '../harness/cli/main.ts';
import { defineCommand } from '../harness/cli/flags.ts';
import { presetFlag, seedFlag } from '../harness/cli/common-flags.ts';
import { openDataset } from '../harness/db/dataset.ts';
import { progressLog } from '../harness/cli/progress.ts';

export const command = defineCommand({
  npm: 'dataset:prepare',
  about: `Creates the schema and seeds the preset's event series citymuseum/timeslots and the other organizers'
    events, on DATABASE_URL when set, else on the embedded PostgreSQL (a database per preset). A dataset already
    seeded with the same preset and seed is reused. It only ever drops tables it created.`,
  flags: {
    preset: presetFlag('incident'),
    seed: seedFlag,
    force: {
      type: 'boolean',
      help: "seed even into a database that holds other tables, or pretix tables without loadlab's manifest",
    },
  },
  examples: ['--preset tiny', '--preset small --seed 7'],
  exitCodes: { 0: 'the dataset is seeded (or was already)' },
});

await runCommand(import.meta.url, command, async ({ values }) => {
  const log = progressLog();
  const { result } = await openDataset({ preset: values.preset, seed: values.seed, force: values.force, log });
  const m = result.manifest;
  const rows = Object.values(m.row_counts).reduce((a, b) => a + b, 0);
  console.log(
    `${result.reused ? 'reused' : 'seeded'} preset ${m.preset}: ${m.dates} dates in citymuseum/timeslots (subevents ${m.hot_subevent_first}..${m.hot_subevent_last}), ` +
      `${rows} rows, seed ${m.seed}, checksum ${m.checksum.slice(0, 12)}, in ${result.seconds.toFixed(1)} s`,
  );
});
