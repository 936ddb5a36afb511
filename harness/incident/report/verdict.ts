/** The plain-words verdict at the top of the report, phrased from the figures (never from what the run was expected to show). */
import type { IncidentSummary, VariantName } from '../types.ts';
import { SLO } from '../../load/incident-script.ts';
import { perCallFigures, productList, type PlFigures } from './figures.ts';
import { fmtBytes, fmtInt, fmtMs, fmtNum, fmtPct, fmtRatio, isNum } from '../../cli/format.ts';
import { presentVariants } from './sections/context.ts';
import { shapeBandText } from '../../load/collapse-shape.ts';

/**
 * Words for the verdict. A shopper notices a product list slower than a second, and one failure in a hundred
 * pages is already a support problem: those are the lines between "held up" and "slowed down". "Collapsed"
 * means what the incident looked like: many failures, or p95 at half the load balancer's timeout.
 */
const DEGRADED_P95_MS = SLO.p95Ms;
const DEGRADED_ERROR_RATE = SLO.maxErrorRate;
const COLLAPSED_ERROR_RATE = 0.05;

type Health = 'held' | 'degraded' | 'collapsed';
function health(base: PlFigures, trip: PlFigures, timeoutS: number): Health {
  // a phase without requests has no figures: nothing was measured, so nothing collapsed or slowed
  const errors = trip.errors ?? 0;
  const p95 = trip.p95 ?? 0;
  if (errors >= COLLAPSED_ERROR_RATE || p95 >= (timeoutS * 1000) / 2) return 'collapsed';
  // a p95 above a second only counts as "slowed down" if the load made it worse, not if it was always slow
  if (errors >= DEGRADED_ERROR_RATE || (p95 >= DEGRADED_P95_MS && p95 > (base.p95 ?? 0) * 1.5)) return 'degraded';
  return 'held';
}

const ms = (n: number | null) => fmtMs(n) ?? 'n/a';
const pct = (n: number | null) => fmtPct(n) ?? 'n/a';

/** One sentence on how a variant fared; the second variant's is phrased against the first. */
function variantSentence(summary: IncidentSummary, name: VariantName, label: string, alone: boolean): string {
  const v = summary.variants[name]!;
  const b = productList(v.phases.baseline);
  const t = productList(v.phases.tripled);
  const timeout = summary.traffic.request_timeout_s;
  const h = health(b, t, timeout);
  if (name === 'after' && !alone) {
    if (h === 'held')
      return `With the fix it stayed at ${ms(t.p95)} (${ms(b.p95)} at baseline) with ${pct(t.errors)} errors.`;
    return `With the fix it ${h === 'collapsed' ? 'also collapsed' : 'also rose'}: ${ms(b.p95)} at baseline, ${ms(t.p95)} at the tripled rate, with ${pct(t.errors)} errors.`;
  }
  const mult = `${fmtNum(summary.traffic.multiplier)}x`;
  const base = fmtInt(summary.traffic.baseline_visitors_per_min) ?? 'n/a';
  const peak = fmtInt(summary.traffic.baseline_visitors_per_min * summary.traffic.multiplier) ?? 'n/a';
  const what = t.scope === 'product-list' ? 'product-list p95' : 'p95 over all requests (no product-list figures)';
  const errWhat = t.scope === 'product-list' ? 'of product-list requests' : 'of requests';
  const lead = `At ${mult} visitors (${base} → ${peak} visitors/min) ${label}`;
  if (h === 'collapsed')
    return `${lead} collapsed: ${what} rose from ${ms(b.p95)} at baseline to ${ms(t.p95)}, and ${pct(t.errors)} ${errWhat} failed (requests time out after ${timeout} s).`;
  if (h === 'degraded')
    return `${lead} slowed down: ${what} rose from ${ms(b.p95)} at baseline to ${ms(t.p95)} with ${pct(t.errors)} errors.`;
  return (
    `${lead} held up: ${what} went from ${ms(b.p95)} at baseline to ${ms(t.p95)} with ${pct(t.errors)} errors` +
    (name === 'before'
      ? ', so this run did not reproduce the outage (the load or the dataset may be too small for this machine).'
      : '.')
  );
}

/** before vs after: the p95 ratio and the work per call */
function comparisonSentences(summary: IncidentSummary): string[] {
  const out: string[] = [];
  const r = summary.comparison?.tripled_p95_ratio;
  if (isNum(r)) {
    if (r >= 1.1) out.push(`At the tripled rate the fix's product-list p95 was ${fmtRatio(r)} lower.`);
    else if (r <= 1 / 1.1)
      out.push(`At the tripled rate the fix's product-list p95 was ${fmtRatio(1 / r)} higher than the old query's.`);
    else out.push('At the tripled rate both variants had about the same product-list p95.');
  }
  const [b, a] = (['before', 'after'] as const).map((n) => perCallFigures(summary.variants[n]!.db));
  if ([b, a].every((c) => c.tempBytes !== null && c.buffers !== null)) {
    out.push(
      `Each old product-list query wrote ${fmtBytes(b.tempBytes)} of temporary files and touched ${fmtNum(b.buffers)} buffers, ` +
        `against ${fmtBytes(a.tempBytes)} and ${fmtNum(a.buffers)} with the fix.`,
    );
  }
  return out;
}

export function verdictText(summary: IncidentSummary): string {
  const present = presentVariants(summary);
  if (present.length === 0) return 'This run has no variant results, so there is nothing to compare.';
  const alone = present.length === 1;
  const out: string[] = [];
  const shape = summary.comparison.shape_reproduced;
  if (shape === true || shape === false)
    out.push(
      `The post-mortem's shape at ${fmtNum(summary.traffic.multiplier)}x visitors (${shapeBandText()}): ${shape ? 'reproduced' : 'NOT reproduced'}: ${(summary.comparison.shape_reason ?? '').replace(/^not reproduced: /, '')}.`,
    );
  if (present.includes('before')) out.push(variantSentence(summary, 'before', 'the old query', alone));
  if (present.includes('after')) out.push(variantSentence(summary, 'after', 'the fixed query', alone));
  if (alone) out.push(`Only the ${present[0]} variant was run, so there is no comparison.`);
  else out.push(...comparisonSentences(summary));
  return out.join(' ');
}
