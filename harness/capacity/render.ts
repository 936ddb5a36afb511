import type { CapacityPoint, CapacityResult } from './types.ts';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : String(Math.round(n * 10) / 10));

function byVariant(r: CapacityResult): Map<string, CapacityPoint[]> {
  const m = new Map<string, CapacityPoint[]>();
  for (const p of r.points) m.set(p.variant, [...(m.get(p.variant) ?? []), p].sort((a, b) => a.dates - b.dates));
  return m;
}

/** The sentence a planning review needs: what the largest series sustains with the old query and with the fix. */
export function capacityVerdict(r: CapacityResult): string {
  const lines = byVariant(r);
  const largest = Math.max(...r.points.map((p) => p.dates));
  const at = (v: string) => lines.get(v)?.find((p) => p.dates === largest);
  const before = at('before');
  const after = at('after');
  const slo = `product-list p95 under ${fmt(r.slo.product_list_p95_ms)} ms with under ${(r.slo.max_error_rate * 100).toFixed(0)} % errors`;
  const parts: string[] = [];
  if (before) parts.push(`With the old query, a shop with ${fmt(largest)} dates sustains ${fmt(before.capacity_visitors_per_min)} visitors/min on this machine (${slo})`);
  if (after) parts.push(before ? `with the fix, ${fmt(after.capacity_visitors_per_min)}` : `With the fix, a shop with ${fmt(largest)} dates sustains ${fmt(after.capacity_visitors_per_min)} visitors/min on this machine (${slo})`);
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
    ...r.points.flatMap((p) => p.steps.map((s) => `| ${p.variant} | ${fmt(p.dates)} | ${fmt(s.visitors_per_min)} | ${s.product_list_p95_ms} | ${(s.error_rate * 100).toFixed(1)} % | ${s.dropped_iterations} | ${s.passed ? 'ok' : 'over SLO'} |`)),
    '',
    `Machine: ${r.machine.cpus} CPUs, Node ${r.machine.node}, PostgreSQL ${r.machine.postgres}. Started ${r.started_at}, finished ${r.finished_at}.`,
    '',
  ];
  return out.join('\n');
}

/** A log-log SVG chart drawn here: no library, no network, nothing to load. */
function chart(r: CapacityResult): string {
  const W = 760, H = 420, L = 80, R = 150, T = 30, B = 60;
  const pts = r.points.filter((p) => p.capacity_visitors_per_min > 0);
  const xs = r.points.map((p) => p.dates);
  const ys = pts.flatMap((p) => [p.capacity_visitors_per_min, ...(p.first_failing_visitors_per_min ? [p.first_failing_visitors_per_min] : [])]);
  if (xs.length === 0 || ys.length === 0) return '<p>No capacity was measured.</p>';
  const lx = (v: number) => Math.log10(v);
  const [x0, x1] = [Math.floor(lx(Math.min(...xs))), Math.ceil(lx(Math.max(...xs)) + 1e-9)];
  const [y0, y1] = [Math.floor(lx(Math.min(...ys))), Math.ceil(lx(Math.max(...ys)) + 1e-9)];
  const sx = (v: number) => L + ((lx(v) - x0) / Math.max(1e-9, x1 - x0)) * (W - L - R);
  const sy = (v: number) => H - B - ((lx(v) - y0) / Math.max(1e-9, y1 - y0)) * (H - T - B);
  const colors: Record<string, string> = { before: '#c0392b', after: '#2471a3' };
  const grid: string[] = [];
  for (let e = x0; e <= x1; e++) grid.push(`<line x1="${sx(10 ** e)}" y1="${T}" x2="${sx(10 ** e)}" y2="${H - B}" class="g"/><text x="${sx(10 ** e)}" y="${H - B + 20}" text-anchor="middle">${fmt(10 ** e)}</text>`);
  for (let e = y0; e <= y1; e++) grid.push(`<line x1="${L}" y1="${sy(10 ** e)}" x2="${W - R}" y2="${sy(10 ** e)}" class="g"/><text x="${L - 8}" y="${sy(10 ** e) + 4}" text-anchor="end">${fmt(10 ** e)}</text>`);
  const series = [...byVariant(r)].map(([v, list], i) => {
    const ok = list.filter((p) => p.capacity_visitors_per_min > 0);
    const path = ok.map((p, k) => `${k ? 'L' : 'M'}${sx(p.dates).toFixed(1)},${sy(p.capacity_visitors_per_min).toFixed(1)}`).join(' ');
    const marks = ok
      .map((p) => `<circle cx="${sx(p.dates).toFixed(1)}" cy="${sy(p.capacity_visitors_per_min).toFixed(1)}" r="4" fill="${colors[v] ?? '#555'}"><title>${esc(`${v}, ${fmt(p.dates)} dates: ${fmt(p.capacity_visitors_per_min)} visitors/min`)}</title></circle>` +
        (p.first_failing_visitors_per_min ? `<line x1="${sx(p.dates).toFixed(1)}" x2="${sx(p.dates).toFixed(1)}" y1="${sy(p.capacity_visitors_per_min).toFixed(1)}" y2="${sy(p.first_failing_visitors_per_min).toFixed(1)}" stroke="${colors[v] ?? '#555'}" stroke-dasharray="2,2"/>` : ''))
      .join('');
    return `<path d="${path}" fill="none" stroke="${colors[v] ?? '#555'}" stroke-width="2.5"/>${marks}<rect x="${W - R + 10}" y="${T + 11 + i * 20}" width="14" height="3" fill="${colors[v] ?? '#555'}"/><text x="${W - R + 30}" y="${T + 16 + i * 20}" style="fill:${colors[v] ?? '#555'}">${esc(v)}</text>`;
  });
  return `<svg id="capacity-chart" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="capacity against dates">
<style>text{font:12px system-ui,sans-serif;fill:#333}.g{stroke:#ddd}</style>
${grid.join('\n')}
<text x="${(L + W - R) / 2}" y="${H - 15}" text-anchor="middle">dates in the event series (log)</text>
<text x="18" y="${(T + H - B) / 2}" text-anchor="middle" transform="rotate(-90 18 ${(T + H - B) / 2})">visitors/min within SLO (log)</text>
${series.join('\n')}
<text x="${W - R + 10}" y="${T + 70}">SLO: p95 &lt; ${fmt(r.slo.product_list_p95_ms)} ms</text>
<text x="${W - R + 10}" y="${T + 86}">errors &lt; ${(r.slo.max_error_rate * 100).toFixed(0)} %</text>
<text x="${W - R + 10}" y="${T + 102}">dashes: up to the</text>
<text x="${W - R + 10}" y="${T + 116}">first failing rate</text>
</svg>`;
}

export function renderCapacityHtml(r: CapacityResult): string {
  const tableRows = r.points
    .flatMap((p) => p.steps.map((s) => `<tr><td>${esc(p.variant)}</td><td>${fmt(p.dates)}</td><td>${fmt(s.visitors_per_min)}</td><td>${s.product_list_p95_ms}</td><td>${(s.error_rate * 100).toFixed(1)} %</td><td>${s.dropped_iterations}</td><td>${s.passed ? 'ok' : 'over SLO'}</td></tr>`))
    .join('\n');
  const summaryRows = r.points.map((p) => `<tr><td>${esc(p.variant)}</td><td>${fmt(p.dates)}</td><td><b>${fmt(p.capacity_visitors_per_min)}</b></td><td>${p.first_failing_visitors_per_min === null ? 'none found' : fmt(p.first_failing_visitors_per_min)}</td></tr>`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>loadlab capacity ${esc(r.run_id)}</title>
<style>body{font:14px system-ui,sans-serif;margin:2em auto;max-width:900px;color:#222}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}th{background:#f4f4f4}.verdict{font-size:16px;background:#f7f7f2;padding:1em;border-left:4px solid #2471a3}</style>
</head><body>
<h1>Capacity against dates</h1>
<p class="verdict">${esc(capacityVerdict(r))}</p>
${chart(r)}
<h2>Capacity</h2>
<table><tr><th>variant</th><th>dates</th><th>visitors/min within SLO</th><th>first failing rate</th></tr>
${summaryRows}</table>
<h2>Every step</h2>
<table><tr><th>variant</th><th>dates</th><th>visitors/min</th><th>product-list p95 ms</th><th>errors</th><th>dropped</th><th>result</th></tr>
${tableRows}</table>
<p>Machine: ${r.machine.cpus} CPUs, Node ${esc(r.machine.node)}, PostgreSQL ${esc(r.machine.postgres)}; ${esc(r.started_at)} to ${esc(r.finished_at)}; ${r.step_duration_s} s per step.</p>
</body></html>
`;
}
