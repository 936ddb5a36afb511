import { RunnerError, EXIT } from './errors.ts';
import type { Metric, Registry, Selector, Submetric } from './metrics/registry.ts';
import { aggregate, aggregationValid, AGGREGATIONS, sinkIsEmpty, type Sink } from './metrics/sinks.ts';

const OPERATORS = ['<=', '<', '>=', '>', '===', '==', '!='] as const;
type Op = (typeof OPERATORS)[number];

export interface Threshold {
  /** the expression as written, the key in summaries */
  source: string;
  agg: string;
  op: Op;
  value: number;
  abortOnFail: boolean;
  delayAbortEvalMs: number;
  /** last evaluation: true = passed */
  ok: boolean;
}

export interface ThresholdGroup {
  /** `metric{tags}` as written in options */
  key: string;
  metric: Metric;
  submetric: Submetric | null;
  thresholds: Threshold[];
}

/** `metric{a:b,c:d}` → name and selector, pairs split at their first `:` and quotes trimmed (k6-subset §6). */
export function parseMetricKey(key: string): { name: string; selector: Selector } {
  const m = /^([^{}\s]+)\s*(?:\{(.*)\})?\s*$/.exec(key);
  if (!m)
    throw new RunnerError(
      `threshold '${key}': cannot read the metric name (accepted: metric or metric{tag:value,...})`,
      EXIT.config,
    );
  const selector: [string, string][] = [];
  if (m[2] !== undefined) {
    for (const part of m[2].split(',')) {
      if (part.trim() === '') continue;
      const i = part.indexOf(':');
      if (i <= 0)
        throw new RunnerError(`threshold '${key}': tag selector '${part.trim()}' is not tag:value`, EXIT.config);
      const trim = (s: string) => s.trim().replace(/^["'`]|["'`]$/g, '');
      selector.push([trim(part.slice(0, i)), trim(part.slice(i + 1))]);
    }
  }
  selector.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return { name: m[1], selector };
}

function parseExpression(expr: string, key: string, metric: Metric): Pick<Threshold, 'agg' | 'op' | 'value'> {
  for (const op of OPERATORS) {
    const i = expr.indexOf(op);
    if (i < 0) continue;
    const agg = expr.slice(0, i).trim();
    const rhs = expr.slice(i + op.length).trim();
    const value = Number(rhs);
    if (rhs === '' || !Number.isFinite(value))
      throw new RunnerError(`threshold '${key}': '${expr}' does not compare with a number`, EXIT.config);
    if (!aggregationValid(metric.type, agg)) {
      throw new RunnerError(
        `threshold '${key}': '${agg}' is not an aggregation of ${metric.type} metric '${metric.name}' (accepted: ${AGGREGATIONS[metric.type]})`,
        EXIT.config,
      );
    }
    return { agg, op, value };
  }
  throw new RunnerError(
    `threshold '${key}': '${expr}' has no operator (accepted: ${OPERATORS.join(' ')})`,
    EXIT.config,
  );
}

export function parseThresholds(
  raw: unknown,
  registry: Registry,
  parseDelay: (v: unknown) => number,
): ThresholdGroup[] {
  if (raw === undefined || raw === null) return [];
  if (typeof raw !== 'object' || Array.isArray(raw))
    throw new RunnerError(`options.thresholds must be an object of 'metric': [expressions]`, EXIT.config);
  const groups: ThresholdGroup[] = [];
  for (const [key, list] of Object.entries(raw as Record<string, unknown>)) {
    const { name, selector } = parseMetricKey(key);
    const metric = registry.metrics.get(name);
    if (!metric)
      throw new RunnerError(
        `threshold '${key}': unknown metric '${name}' (built-in or declared in the script's init code)`,
        EXIT.config,
      );
    const items = Array.isArray(list) ? list : [list];
    const thresholds: Threshold[] = items.map((item: unknown) => {
      let expr: string;
      let abortOnFail = false;
      let delay = 0;
      if (typeof item === 'string') expr = item;
      else if (item && typeof item === 'object' && typeof (item as { threshold?: unknown }).threshold === 'string') {
        const o = item as { threshold: string; abortOnFail?: boolean; delayAbortEval?: unknown };
        expr = o.threshold;
        abortOnFail = Boolean(o.abortOnFail);
        if (o.delayAbortEval !== undefined) delay = parseDelay(o.delayAbortEval);
      } else
        throw new RunnerError(
          `threshold '${key}': ${JSON.stringify(item)} is not an expression (accepted: 'p(95)<500' or {threshold, abortOnFail, delayAbortEval})`,
          EXIT.config,
        );
      return { source: expr, ...parseExpression(expr, key, metric), abortOnFail, delayAbortEvalMs: delay, ok: true };
    });
    const submetric = selector.length ? registry.submetric(metric, key, selector, false) : null;
    groups.push({ key, metric, submetric, thresholds });
  }
  return groups;
}

function compare(a: number, op: Op, b: number): boolean {
  switch (op) {
    case '<=':
      return a <= b;
    case '<':
      return a < b;
    case '>=':
      return a >= b;
    case '>':
      return a > b;
    case '===':
    case '==':
      return a === b;
    case '!=':
      return a !== b;
  }
}

/**
 * Evaluates every threshold. During the run empty metrics are skipped; at the end an empty Trend counts as
 * zeros and an empty Rate passes. Returns the thresholds that failed and ask for an abort.
 */
export function evaluate(
  groups: ThresholdGroup[],
  elapsedS: number,
  final: boolean,
  elapsedMs: number,
): { failed: boolean; abort: Threshold | undefined } {
  let failed = false;
  let abort: Threshold | undefined;
  for (const g of groups) {
    const sink: Sink = g.submetric ? g.submetric.sink : g.metric.sink;
    const empty = sinkIsEmpty(sink);
    if (empty && !final) continue;
    for (const t of g.thresholds) {
      if (empty && g.metric.type === 'rate') {
        t.ok = true;
        continue;
      }
      const v = aggregate(sink, t.agg, elapsedS) ?? 0;
      t.ok = compare(v, t.op, t.value);
      if (!t.ok) {
        failed = true;
        if (t.abortOnFail && !final && elapsedMs >= t.delayAbortEvalMs && !abort) abort = t;
      }
    }
  }
  return { failed, abort };
}
