import type { Metric, Registry, Submetric } from './metrics/registry.ts';
import { aggregate, sinkIsEmpty, type Sink } from './metrics/sinks.ts';
import type { GroupNode } from './runtime.ts';
import type { ThresholdGroup } from './thresholds.ts';

export const DEFAULT_TREND_STATS = ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)'];

export interface SummaryMetric {
  type: string;
  contains: string;
  values: Record<string, number>;
  thresholds?: Record<string, { ok: boolean }>;
}

interface SummaryGroup {
  name: string;
  path: string;
  id: string;
  groups: SummaryGroup[];
  checks: { name: string; path: string; id: string; passes: number; fails: number }[];
}

/** What handleSummary(data) receives: k6's legacy summary shape (k6-subset §7). */
export interface SummaryData {
  root_group: SummaryGroup;
  options: { summaryTrendStats: string[]; summaryTimeUnit: string; noColor: boolean };
  state: { isStdOutTTY: boolean; isStdErrTTY: boolean; testRunDurationMs: number };
  metrics: Record<string, SummaryMetric>;
  setup_data?: unknown;
}

function values(sink: Sink, type: string, trendStats: string[], durationS: number): Record<string, number> {
  const out: Record<string, number> = {};
  const keys =
    type === 'counter'
      ? ['count', 'rate']
      : type === 'gauge'
        ? ['value', 'min', 'max']
        : type === 'rate'
          ? ['rate', 'passes', 'fails']
          : trendStats;
  for (const k of keys) out[k] = aggregate(sink, k, durationS) ?? 0;
  return out;
}

function group(g: GroupNode): SummaryGroup {
  return {
    name: g.name,
    path: g.path,
    id: g.id,
    groups: g.groups.map(group),
    checks: [...g.checks.values()].map((c) => ({ ...c })),
  };
}

export function buildSummaryData(
  registry: Registry,
  thresholds: ThresholdGroup[],
  root: GroupNode,
  trendStats: string[],
  durationMs: number,
  tty: { stdout: boolean; stderr: boolean },
  setupData: unknown,
): SummaryData {
  const durationS = durationMs / 1000;
  const byKey = new Map<string, ThresholdGroup[]>();
  for (const g of thresholds) {
    const key = g.submetric ? g.submetric.key : g.metric.name;
    byKey.set(key, [...(byKey.get(key) ?? []), g]);
  }
  const metrics: Record<string, SummaryMetric> = {};
  const put = (key: string, m: Metric, sink: Sink) => {
    const ths = byKey.get(key);
    if (sinkIsEmpty(sink) && !ths) return;
    const entry: SummaryMetric = {
      type: m.type,
      contains: m.contains,
      values: values(sink, m.type, trendStats, durationS),
    };
    if (ths) {
      entry.thresholds = {};
      for (const g of ths) for (const t of g.thresholds) entry.thresholds[t.source] = { ok: t.ok };
    }
    metrics[key] = entry;
  };
  for (const m of registry.metrics.values()) {
    put(m.name, m, m.sink);
    for (const s of m.submetrics) put(s.key, m, s.sink);
  }
  const data: SummaryData = {
    root_group: group(root),
    options: { summaryTrendStats: trendStats, summaryTimeUnit: '', noColor: false },
    state: { isStdOutTTY: tty.stdout, isStdErrTTY: tty.stderr, testRunDurationMs: durationMs },
    metrics,
  };
  if (setupData !== undefined) data.setup_data = setupData;
  return data;
}

interface ExportGroup {
  name: string;
  path: string;
  id: string;
  groups: Record<string, ExportGroup>;
  checks: Record<string, { name: string; path: string; id: string; passes: number; fails: number }>;
}

function exportGroup(g: SummaryGroup): ExportGroup {
  return {
    name: g.name,
    path: g.path,
    id: g.id,
    groups: Object.fromEntries(g.groups.map((x) => [x.name, exportGroup(x)])),
    checks: Object.fromEntries(g.checks.map((c) => [c.name, c])),
  };
}

/** `--summary-export`: metrics flattened to their values, a Rate's `rate` as `value`, thresholds true when FAILED. */
export function exportFormat(data: SummaryData): Record<string, unknown> {
  const metrics: Record<string, Record<string, unknown>> = {};
  for (const [key, m] of Object.entries(data.metrics)) {
    const flat: Record<string, unknown> = {};
    if (m.type === 'rate') {
      flat.passes = m.values.passes;
      flat.fails = m.values.fails;
      flat.value = m.values.rate;
    } else Object.assign(flat, m.values);
    if (m.thresholds) flat.thresholds = Object.fromEntries(Object.entries(m.thresholds).map(([k, v]) => [k, !v.ok]));
    metrics[key] = flat;
  }
  const out: Record<string, unknown> = { root_group: exportGroup(data.root_group), metrics };
  if (data.setup_data !== undefined) out.setup_data = data.setup_data;
  return out;
}

function fmtTime(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1) return `${(ms * 1000).toFixed(2)}µs`;
  if (ms < 1000) return `${ms.toFixed(2)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)}s`;
  const m = Math.floor(ms / 60_000);
  return `${m}m${((ms - m * 60_000) / 1000).toFixed(1)}s`;
}

function fmtData(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}

function fmtNum(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(6).replace(/0+$/, '').replace(/\.$/, '');
}

function fmtValue(v: number, contains: string): string {
  if (contains === 'time') return fmtTime(v);
  if (contains === 'data') return fmtData(v);
  return fmtNum(v);
}

function renderGroup(g: SummaryGroup, indent: string, lines: string[]): void {
  for (const c of g.checks) {
    const mark = c.fails === 0 ? '✓' : '✗';
    lines.push(`${indent}${mark} ${c.name}`);
    if (c.fails > 0)
      lines.push(
        `${indent}  ↳  ${Math.floor((c.passes / (c.passes + c.fails)) * 100)}% — ✓ ${c.passes} / ✗ ${c.fails}`,
      );
  }
  for (const sub of g.groups) {
    lines.push(`${indent}█ ${sub.name}`);
    renderGroup(sub, `${indent}  `, lines);
  }
}

/** The end-of-test text summary, in the layout k6 users know. Automatic per-scenario/name splits stay out. */
export function renderText(data: SummaryData, autoKeys: Set<string>): string {
  const lines: string[] = [''];
  renderGroup(data.root_group, '     ', lines);
  if (lines.length > 1) lines.push('');
  const keys = Object.keys(data.metrics)
    .filter((k) => !autoKeys.has(k))
    .sort((a, b) => {
      const [ba, bb] = [a.split('{')[0], b.split('{')[0]];
      return ba === bb
        ? (a.includes('{') ? 1 : 0) - (b.includes('{') ? 1 : 0) || a.localeCompare(b)
        : ba.localeCompare(bb);
    });
  const labels = keys.map((k) =>
    k.includes('{') ? `  { ${k.slice(k.indexOf('{') + 1, -1).replace(/,/g, ', ')} }` : k,
  );
  const width = Math.max(30, ...labels.map((l) => l.length + 3));
  keys.forEach((key, i) => {
    const m = data.metrics[key];
    const th = m.thresholds ? Object.values(m.thresholds) : undefined;
    const mark = th ? (th.every((t) => t.ok) ? '✓ ' : '✗ ') : '  ';
    const label = labels[i].padEnd(width, '.');
    let text: string;
    const v = m.values;
    switch (m.type) {
      case 'counter':
        text = `${fmtValue(v.count, m.contains).padEnd(8)} ${fmtValue(v.rate, m.contains)}/s`;
        break;
      case 'gauge':
        text = `${fmtValue(v.value, m.contains).padEnd(8)} min=${fmtValue(v.min, m.contains)} max=${fmtValue(v.max, m.contains)}`;
        break;
      case 'rate':
        text = `${(v.rate * 100).toFixed(2)}% ${v.passes} out of ${v.passes + v.fails}`;
        break;
      default:
        text = Object.entries(v)
          .map(([k, x]) => `${k}=${k === 'count' ? fmtNum(x) : fmtValue(x, m.contains)}`)
          .join(' ');
    }
    lines.push(`   ${mark}${label}: ${text}`);
  });
  lines.push('');
  return lines.join('\n') + '\n';
}

export function autoKeysOf(registry: Registry): Set<string> {
  const out = new Set<string>();
  for (const m of registry.metrics.values()) for (const s of m.submetrics as Submetric[]) if (s.auto) out.add(s.key);
  return out;
}
