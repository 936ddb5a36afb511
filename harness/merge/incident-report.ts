// The incident report of a merged run (the instances ran loadtests/incident.ts): report.md, report.html and the
// series.json its charts plot, built only from the files the merge wrote (merge.json) and the instances' outputs it
// names. Every file is rendered before any is written, each written whole (Ctrl-C leaves none half-written).
import path from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { projectRoot } from '../files/paths.ts';
import { legendKeys, renderReport, type ReportPage } from '../report/write.ts';
import { buildMergedCharts, MERGED_COLOR } from './charts.ts';
import { mergedIncidentFigures, readMergedPoints } from './figures.ts';
import { isIncidentScript, readMergeRecord, type MergeRecord } from './record.ts';
import { buildMergedModel } from './report-model.ts';
import { mergedSeries, type MergedSeries } from './series.ts';

export function mergedPage(
  record: MergeRecord,
  figures: ReturnType<typeof mergedIncidentFigures>,
  series: MergedSeries,
): ReportPage {
  return {
    model: buildMergedModel(record, figures, series),
    charts: buildMergedCharts(series),
    chartsIntro:
      `Time is seconds since ${series.start}, the merged run's start (its first point, or the first request's send ` +
      `time when earlier); each second counts the requests sent in it by every instance; shaded bands are the ` +
      `phases, from each scenario's first to its last point. Colour:${legendKeys([{ color: MERGED_COLOR, label: 'all instances' }])}`,
    mdClosing: 'Charts of p95, throughput and errors per second are in report.html; their data is in series.json.',
  };
}

/** Writes report.md, report.html and series.json into the merge's folder when the merged script is the incident
 * script; the report's path, or null. */
export async function writeMergedIncidentReport(dir: string, root = projectRoot): Promise<string | null> {
  const record = readMergeRecord(dir);
  if (!isIncidentScript(record, root)) return null;
  const points = await readMergedPoints(record);
  const series = mergedSeries(record, points);
  const { md, html } = renderReport(mergedPage(record, mergedIncidentFigures(points), series));
  writeFileAtomic.sync(path.join(dir, 'series.json'), `${JSON.stringify(series, null, 2)}\n`);
  writeFileAtomic.sync(path.join(dir, 'report.md'), md);
  writeFileAtomic.sync(path.join(dir, 'report.html'), html);
  return path.join(dir, 'report.md');
}
