#!/usr/bin/env tsx
// One verdict over several instances' k6 JSON outputs: npm run load:merge -- --script S [--summary-export F] [--out DIR] FILE...
import path from 'node:path';
import { runCommand } from '../harness/cli/main.ts';
import { defineCommand } from '../harness/cli/flags.ts';
import { writeMergedIncidentReport } from '../harness/merge/incident-report.ts';
import { runMerge } from '../harness/merge/run-merge.ts';

export const command = defineCommand({
  npm: 'load:merge',
  usage: '--script S [flags]',
  positionals: {
    usage: 'FILE...',
    help: "the instances' --out json files (plain or .gz), the runner's or real k6's",
    min: 1,
    max: 1000,
  },
  about: `Merges the --out json files of several instances of one test (execution segments, k6-operator pods)
    into one result: trends over all samples, counters and rates summed, gauges summed over each instance's last
    value; the script's thresholds judged over the whole; the text summary. It says which instances and time
    ranges it merged, and refuses files of another script or overlapping segments in one line.`,
  flags: {
    script: { type: 'string', arg: 'S', defaultText: 'none, required', help: 'the k6 script the instances ran' },
    'summary-export': { type: 'string', arg: 'F', defaultText: 'none', help: 'the merged summary as k6 exports it' },
    out: {
      type: 'string',
      arg: 'DIR',
      defaultText: 'none',
      help: 'write merge.json (instances, time range, verdicts), k6-summary.json, summary.txt there; when the script is loadtests/incident.ts also report.md, report.html (charts per second) and series.json',
    },
    env: {
      type: 'string',
      short: 'e',
      multiple: true,
      arg: 'K=V',
      defaultText: 'none',
      help: 'a variable for __ENV, as the instances had it',
    },
  },
  examples: [
    '--script loadtests/incident.ts results/pod-*.json.gz',
    '--script s.js --out reports/merged a.json b.json',
  ],
  exitCodes: {
    0: 'merged; every threshold passed over the whole',
    99: 'a threshold failed over the whole',
    1: 'bad input (a missing or truncated file, files of another script, overlapping segments), in one line',
  },
});

await runCommand(import.meta.url, command, async ({ values, positionals }) => {
  // the merge runs in the project's folder: paths as the user gave them, resolved here
  const abs = (p: string) => path.resolve(p);
  const out = values.out ? abs(values.out) : undefined;
  const args = [
    ...(values.script ? ['--script', abs(values.script)] : []),
    ...(values['summary-export'] ? ['--summary-export', abs(values['summary-export'])] : []),
    ...(out ? ['--out', out] : []),
    ...(values.env ?? []).flatMap((e) => ['-e', e]),
    ...positionals.map(abs),
  ];
  const code = await runMerge(args);
  // the incident report when the instances ran loadtests/incident.ts, from the files the merge wrote
  if (out && (code === 0 || code === 99)) {
    const report = await writeMergedIncidentReport(out);
    if (report)
      process.stdout.write(
        `wrote ${report}, report.html and series.json (the incident replay's phases and charts per second, merged)\n`,
      );
  }
  return code;
});
