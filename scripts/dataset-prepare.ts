#!/usr/bin/env tsx
// Seed (or reuse) a pretix-shaped dataset: npm run dataset:prepare -- --preset tiny [--seed N] [--force]
import { runMain, parseCli } from '../harness/cli/main.ts';
import { openDataset } from '../harness/db/dataset.ts';
import { progressLog } from '../harness/cli/progress.ts';

await runMain(async () => {
  const { values } = parseCli({
    preset: { type: 'string', default: 'incident' },
    seed: { type: 'string' },
    force: { type: 'boolean', default: false },
  });
  const log = progressLog();
  const { result } = await openDataset({ preset: values.preset!, seed: values.seed, force: values.force, log });
  const m = result.manifest;
  const rows = Object.values(m.row_counts).reduce((a, b) => a + b, 0);
  console.log(
    `${result.reused ? 'reused' : 'seeded'} preset ${m.preset}: ${m.dates} dates in citymuseum/timeslots (subevents ${m.hot_subevent_first}..${m.hot_subevent_last}), ` +
      `${rows} rows, seed ${m.seed}, checksum ${m.checksum.slice(0, 12)}, in ${result.seconds.toFixed(1)} s`,
  );
});
