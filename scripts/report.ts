#!/usr/bin/env tsx
// Re-render a run's report from the files the run wrote: npm run report -- reports/latest
// (a load:incident, load:timeline or load:partition run: its summary.json's schema says which)
import path from 'node:path';
import { runMain, parseCli } from '../harness/cli/main.ts';
import { UserError } from '../common/user-error.ts';
import { readRunFolder } from '../harness/incident/report/read.ts';
import { writeReport } from '../harness/incident/report/render.ts';
import { isTimelineFolder, readTimelineFolder } from '../harness/timeline/read.ts';
import { writeTimelineReport } from '../harness/timeline/report.ts';
import { isPartitionFolder, readPartitionFolder } from '../harness/partition/read.ts';
import { writePartitionReport } from '../harness/partition/report/write.ts';

await runMain(async () => {
  const { positionals } = parseCli({}, process.argv.slice(2), true);
  if (positionals.length !== 1)
    throw new UserError('usage: npm run report -- DIR (a run folder holding summary.json and series.json)');
  const dir = path.resolve(positionals[0]);
  if (isTimelineFolder(dir)) {
    await writeTimelineReport(dir, readTimelineFolder(dir));
  } else if (isPartitionFolder(dir)) {
    writePartitionReport(dir, readPartitionFolder(dir));
  } else {
    const { input, seriesMissing } = await readRunFolder(dir);
    if (seriesMissing)
      process.stderr.write(`warning: ${path.join(dir, 'series.json')} not found; the report has no charts\n`);
    await writeReport(dir, input);
  }
  console.log(`wrote ${path.join(dir, 'report.md')} and report.html`);
});
