#!/usr/bin/env tsx
// Re-render a run's report from the files the run wrote: npm run report -- reports/latest
// (a load:incident, load:timeline or load:partition run: its summary.json's schema says which)
import path from 'node:path';
import { runCommand } from '../harness/cli/main.ts';
import { defineCommand } from '../harness/cli/flags.ts';
import { readRunFolder } from '../harness/incident/report/read.ts';
import { writeReport } from '../harness/incident/report/render.ts';
import { isTimelineFolder, readTimelineFolder } from '../harness/timeline/read.ts';
import { writeTimelineReport } from '../harness/timeline/report.ts';
import { isPartitionFolder, readPartitionFolder } from '../harness/partition/read.ts';
import { writePartitionReport } from '../harness/partition/report/write.ts';

export const command = defineCommand({
  npm: 'report',
  usage: '',
  positionals: {
    usage: 'DIR',
    help: 'a run folder holding summary.json and series.json (load:incident, load:timeline or load:partition)',
    min: 1,
    max: 1,
  },
  about: `Re-renders report.md and report.html from the files the run wrote; the summary.json's schema says which
    kind of run it is. A broken field is named in one line.`,
  flags: {},
  examples: ['reports/latest'],
  exitCodes: { 0: 'report.md and report.html written' },
});

await runCommand(import.meta.url, command, async ({ positionals }) => {
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
