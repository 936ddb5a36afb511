/**
 * Turns a run's data into the neutral document (document.ts) both renderers serialise. Each section is one
 * builder in sections/; adding a section is one new file there and one entry in SECTIONS.
 */
import type { ReportInput } from '../types.ts';
import type { ReportModel, Section } from '../../report/document.ts';
import { fmtInt, fmtNum } from '../../cli/format.ts';
import { calibrationSection } from './sections/calibration.ts';
import { comparisonSection } from './sections/comparison.ts';
import { SectionContext, type SectionBuilder } from './sections/context.ts';
import { databaseSection } from './sections/database.ts';
import { diagnosisSection } from './sections/diagnosis.ts';
import { endpointsSection } from './sections/endpoints.ts';
import { explainSection } from './sections/explain.ts';
import { loadSection } from './sections/load.ts';
import { machineSection } from './sections/machine.ts';
import { runSection } from './sections/run.ts';
import { thresholdsSection } from './sections/thresholds.ts';
import { verdictText } from './verdict.ts';

/** The report's sections in reading order; footnotes are numbered in this order too. */
export const SECTIONS: SectionBuilder[] = [
  runSection,
  loadSection,
  endpointsSection,
  databaseSection,
  diagnosisSection,
  explainSection,
  comparisonSection,
  calibrationSection,
  machineSection,
  thresholdsSection,
];

export function buildModel(input: ReportInput): ReportModel {
  const s = input.summary;
  const ctx = new SectionContext(s);
  const sections = SECTIONS.map((build) => build(ctx)).filter((x): x is Section => x !== null);
  const variants = ctx.present.length ? ctx.present.join(' vs ') : 'no variants';
  const rate = s.traffic.baseline_visitors_per_min;
  return {
    title: `Incident replay: preset ${s.preset} (${fmtInt(s.dates)} dates), run ${s.run_id}`,
    subtitle: `${variants} · ${fmtNum(rate)} → ${fmtNum(rate * s.traffic.multiplier)} visitors/min · ${s.started_at}`,
    verdict: verdictText(s),
    sections,
    notes: ctx.footnotes,
  };
}
