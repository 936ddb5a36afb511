import { fmtInt, fmtNum, isNum } from '../../../cli/format.ts';
import type { SectionBuilder } from './context.ts';
import type { IncidentSummary } from '../../types.ts';

/** temp_file_limit per session, as the server reports it, with how it was chosen */
function tempLimitText(t: IncidentSummary['machine']['temp_file_limit']): string | null {
  if (!t) return null;
  return `${t.setting === '-1' ? 'none (-1)' : `${t.setting} per session`}: ${t.basis}`;
}

/** What was run: preset, variants, rates, phases. */
export const runSection: SectionBuilder = (ctx) => {
  const s = ctx.summary;
  const t = (text: string) => ctx.txt(text);
  const phasesLine = s.traffic.phases.map((p) => `${p.name} ${fmtInt(p.duration_s)} s`).join(', ');
  const durationS = (Date.parse(s.finished_at) - Date.parse(s.started_at)) / 1000;
  return {
    id: 'run',
    title: 'Run',
    paragraphs: [],
    tables: [
      ctx.facts([
        ['Run id', t(s.run_id)],
        ['Preset', t(`${s.preset} (${fmtInt(s.dates)} dates in the hot event series), seed ${s.seed}`)],
        ['Variants', t(ctx.present.length ? ctx.present.join(', ') : 'none')],
        [
          'Started / finished',
          t(`${s.started_at} / ${s.finished_at}` + (isNum(durationS) ? ` (${fmtNum(durationS / 60)} min)` : '')),
        ],
        ['Baseline rate', t(`${fmtNum(s.traffic.baseline_visitors_per_min)} visitors/min`)],
        [
          'Peak rate',
          t(
            `${fmtNum(s.traffic.baseline_visitors_per_min * s.traffic.multiplier)} visitors/min (${fmtNum(s.traffic.multiplier)}x)`,
          ),
        ],
        ['Phases', t(phasesLine || 'none')],
        ['Request timeout', t(`${fmtNum(s.traffic.request_timeout_s)} s`)],
        [
          'Temp file limit',
          ctx.cell(tempLimitText(s.machine.temp_file_limit), 'runs before the limit was recorded do not state it.'),
        ],
      ]),
    ],
  };
};
