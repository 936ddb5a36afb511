import { CHART_PAGE_CSP, chartFigure, chartScripts, chartStyles, escapeHtml as esc } from '../report/chart-page.ts';
import { logRange, VARIANT_COLORS, type ChartSeries, type ChartSpec } from '../report/chart-spec.ts';
import type { CapacityPoint, CapacityResult } from './types.ts';

const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : String(Math.round(n * 10) / 10));

function byVariant(r: CapacityResult): Map<CapacityPoint['variant'], CapacityPoint[]> {
  const m = new Map<CapacityPoint['variant'], CapacityPoint[]>();
  for (const p of r.points)
    m.set(
      p.variant,
      [...(m.get(p.variant) ?? []), p].sort((a, b) => a.dates - b.dates),
    );
  return m;
}

/** The sentence a planning review needs: what the largest series sustains with the old query and with the fix. */
export function capacityVerdict(r: CapacityResult): string {
  const lines = byVariant(r);
  const largest = Math.max(...r.points.map((p) => p.dates));
  const at = (v: CapacityPoint['variant']) => lines.get(v)?.find((p) => p.dates === largest);
  const before = at('before');
  const after = at('after');
  const slo = `product-list p95 under ${fmt(r.slo.product_list_p95_ms)} ms with under ${(r.slo.max_error_rate * 100).toFixed(0)} % errors`;
  const parts: string[] = [];
  if (before)
    parts.push(
      `With the old query, a shop with ${fmt(largest)} dates sustains ${fmt(before.capacity_visitors_per_min)} visitors/min on this machine (${slo})`,
    );
  if (after)
    parts.push(
      before
        ? `with the fix, ${fmt(after.capacity_visitors_per_min)}`
        : `With the fix, a shop with ${fmt(largest)} dates sustains ${fmt(after.capacity_visitors_per_min)} visitors/min on this machine (${slo})`,
    );
  let text = parts.length ? parts.join('; ') + '.' : 'No point was measured.';
  const smallest = Math.min(...r.points.map((p) => p.dates));
  const bSmall = lines.get('before')?.find((p) => p.dates === smallest);
  if (before && bSmall && smallest !== largest && bSmall.capacity_visitors_per_min > 0) {
    const drop = before.capacity_visitors_per_min / bSmall.capacity_visitors_per_min;
    text += ` The old query's capacity ${drop < 1 ? `falls to ${(drop * 100).toFixed(0)} %` : `changes by ${drop.toFixed(2)}x`} from ${fmt(smallest)} to ${fmt(largest)} dates: it does work for every date of the series on every page view.`;
  }
  return text;
}

export function renderCapacityMarkdown(r: CapacityResult): string {
  const variants = [...byVariant(r).keys()];
  const dates = [...new Set(r.points.map((p) => p.dates))].sort((a, b) => a - b);
  const cell = (v: string, d: number) => {
    const p = r.points.find((x) => x.variant === v && x.dates === d);
    if (!p) return 'n/a';
    return `${fmt(p.capacity_visitors_per_min)}${p.first_failing_visitors_per_min !== null ? ` (fails at ${fmt(p.first_failing_visitors_per_min)})` : ' (no failing rate found)'}`;
  };
  const out = [
    `# loadlab capacity: ${r.run_id}`,
    '',
    capacityVerdict(r),
    '',
    `Capacity = the highest arrival rate (visitors/min, each visitor one shop journey) whose product-list p95 stayed under ${fmt(r.slo.product_list_p95_ms)} ms with errors under ${(r.slo.max_error_rate * 100).toFixed(0)} %, in ${r.step_duration_s} s constant-arrival-rate steps. The true capacity lies between it and the first failing rate.`,
    '',
    `| dates | ${variants.join(' | ')} |`,
    `| --- | ${variants.map(() => '---').join(' | ')} |`,
    ...dates.map((d) => `| ${fmt(d)} | ${variants.map((v) => cell(v, d)).join(' | ')} |`),
    '',
    '## Every step',
    '',
    '| variant | dates | visitors/min | product-list p95 ms | errors | dropped | result |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...r.points.flatMap((p) =>
      p.steps.map(
        (s) =>
          `| ${p.variant} | ${fmt(p.dates)} | ${fmt(s.visitors_per_min)} | ${s.product_list_p95_ms} | ${(s.error_rate * 100).toFixed(1)} % | ${s.dropped_iterations} | ${s.passed ? 'ok' : 'over SLO'} |`,
      ),
    ),
    '',
    `Machine: ${r.machine.cpus} CPUs, Node ${r.machine.node}, PostgreSQL ${r.machine.postgres}. Started ${r.started_at}, finished ${r.finished_at}.`,
    '',
  ];
  return out.join('\n');
}

/** Capacity against dates on log-log axes, one colour per variant: the same uPlot charts as the incident report. */
export function capacityChart(r: CapacityResult): ChartSpec {
  const series: ChartSeries[] = [];
  const lines = byVariant(r);
  // before, then after, whichever the sweep ran first: legend and colours read the same in every report
  for (const v of ['before', 'after'] as const) {
    const list = lines.get(v);
    if (!list) continue;
    const color = VARIANT_COLORS[v];
    const x = list.map((p) => p.dates);
    // 0 = even the lowest rate tried failed: no point on a log axis, the table says so
    series.push({
      label: `${v} capacity`,
      color,
      dash: false,
      points: true,
      scale: 'per_min',
      x,
      values: list.map((p) => (p.capacity_visitors_per_min > 0 ? p.capacity_visitors_per_min : null)),
    });
    if (list.some((p) => p.first_failing_visitors_per_min !== null)) {
      series.push({
        label: `${v} first failing rate`,
        color,
        dash: true,
        points: true,
        scale: 'per_min',
        x,
        values: list.map((p) => p.first_failing_visitors_per_min),
      });
    }
  }
  const drawn = series.filter((s) => s.values.some((v) => v !== null));
  const dates = r.points.map((p) => p.dates);
  const [min, max] = dates.length ? logRange(dates) : [1, 10];
  const slo = `product-list p95 under ${fmt(r.slo.product_list_p95_ms)} ms with under ${(r.slo.max_error_rate * 100).toFixed(0)} % errors`;
  return {
    id: 'capacity-chart',
    title: 'Capacity against dates',
    description: `The highest arrival rate that kept ${slo} (solid), and the lowest rate that failed (dashed): the true capacity lies between the two. Both axes are logarithmic.`,
    xAxis: { name: 'dates', label: 'dates in the event series (log scale)', unit: 'count', log: true, min, max },
    // a variant whose every size failed at the lowest rate has nothing to draw on a log axis: the table says so
    series: drawn,
    axes: [{ scale: 'per_min', label: 'visitors/min', side: 'left', log: true }],
    bands: [],
    marks: null,
    empty: drawn.length ? null : 'No capacity was measured.',
  };
}

export function renderCapacityHtml(r: CapacityResult): string {
  const tableRows = r.points
    .flatMap((p) =>
      p.steps.map(
        (s) =>
          `<tr><td>${esc(p.variant)}</td><td>${fmt(p.dates)}</td><td>${fmt(s.visitors_per_min)}</td><td>${s.product_list_p95_ms}</td><td>${(s.error_rate * 100).toFixed(1)} %</td><td>${s.dropped_iterations}</td><td>${s.passed ? 'ok' : 'over SLO'}</td></tr>`,
      ),
    )
    .join('\n');
  const chart = capacityChart(r);
  const summaryRows = r.points
    .map(
      (p) =>
        `<tr><td>${esc(p.variant)}</td><td>${fmt(p.dates)}</td><td><b>${fmt(p.capacity_visitors_per_min)}</b></td><td>${p.first_failing_visitors_per_min === null ? 'none found' : fmt(p.first_failing_visitors_per_min)}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CHART_PAGE_CSP}">
<title>loadlab capacity ${esc(r.run_id)}</title>
${chartStyles()}
<style>.muted{color:#59636e}body{font:14px system-ui,sans-serif;margin:2em auto;max-width:900px;color:#222}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}th{background:#f4f4f4}.verdict{font-size:16px;background:#f7f7f2;padding:1em;border-left:4px solid #2471a3}</style>
</head><body>
<h1>Capacity against dates</h1>
<p class="verdict">${esc(capacityVerdict(r))}</p>
${chartFigure(chart)}
<h2>Capacity</h2>
<table><tr><th>variant</th><th>dates</th><th>visitors/min within SLO</th><th>first failing rate</th></tr>
${summaryRows}</table>
<h2>Every step</h2>
<table><tr><th>variant</th><th>dates</th><th>visitors/min</th><th>product-list p95 ms</th><th>errors</th><th>dropped</th><th>result</th></tr>
${tableRows}</table>
<p>Machine: ${r.machine.cpus} CPUs, Node ${esc(r.machine.node)}, PostgreSQL ${esc(r.machine.postgres)}; ${esc(r.started_at)} to ${esc(r.finished_at)}; ${r.step_duration_s} s per step.</p>
${chartScripts([chart])}
</body></html>
`;
}
