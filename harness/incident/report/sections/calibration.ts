import { fmtMs, fmtNum, fmtPct } from '../../../cli/format.ts';
import type { SectionBuilder } from './context.ts';

/** How the baseline rate was found, so a reader can judge whether the overload was a fair one. */
export const calibrationSection: SectionBuilder = (ctx) => {
  const s = ctx.summary;
  const c = s.traffic.calibration;
  const capReason =
    c.method === 'given'
      ? 'the baseline rate was given on the command line (--baseline-rate), so no capacity probe ran.'
      : 'the calibration probe did not produce this figure.';
  return {
    id: 'calibration',
    title: 'Calibration of the baseline rate',
    paragraphs: [
      c.method === 'measured'
        ? `The baseline rate was calibrated so that the before variant runs at about ${fmtPct(c.target_utilisation)} of its measured product-list capacity; ${fmtNum(s.traffic.multiplier)}x that overloads it, as in the incident.`
        : 'The baseline rate was given on the command line, not measured.',
    ],
    tables: [
      ctx.facts([
        ['Method', ctx.txt(c.method)],
        [
          'Measured product-list capacity',
          ctx.cell(
            c.product_list_capacity_rps === null ? null : `${fmtNum(c.product_list_capacity_rps)} requests/s`,
            capReason,
          ),
        ],
        ['Mean product-list service time', ctx.cell(fmtMs(c.service_time_ms), capReason)],
        ['Product-list requests per visitor', ctx.txt(fmtNum(c.product_list_requests_per_visitor) ?? 'n/a')],
        ['Target utilisation at baseline', ctx.txt(fmtPct(c.target_utilisation) ?? 'n/a')],
        ['Formula', ctx.txt(c.formula)],
        ['Resulting baseline', ctx.txt(`${fmtNum(s.traffic.baseline_visitors_per_min)} visitors/min`)],
      ]),
    ],
  };
};
