import { z } from 'zod';
import { readJsonFile } from '../files/json-file.ts';

/**
 * k6's --summary-export file, as far as the harness reads it: each metric flattened to its figures (count,
 * rate, value, avg, p(95), ...) and, where the script set thresholds, each expression mapped to true when it
 * FAILED. One schema gives both the type and the check, so a malformed file is one line naming the field.
 */
const exportedMetric = z.object({ thresholds: z.record(z.string(), z.boolean()).optional() }).catchall(z.number());

export const summaryExportSchema = z.looseObject({ metrics: z.record(z.string(), exportedMetric) });

export type SummaryExport = z.infer<typeof summaryExportSchema>;

export function readSummaryExport(file: string): SummaryExport {
  return readJsonFile(file, summaryExportSchema, "the runner's k6 summary export");
}

export function metricValue(summary: SummaryExport, metric: string, stat: string): number | undefined {
  const v = summary.metrics[metric]?.[stat];
  return typeof v === 'number' ? v : undefined;
}

/** "1,234 requests, product-list p95 45 ms, errors 0.3 %" of a summary export, or undefined when there is none. */
export function loadFigures(file: string): string | undefined {
  let s: SummaryExport;
  try {
    s = readSummaryExport(file);
  } catch {
    return undefined;
  }
  const p95 = metricValue(s, 'http_req_duration{name:product-list}', 'p(95)');
  const errors = metricValue(s, 'http_req_failed', 'value');
  return `${metricValue(s, 'http_reqs', 'count') ?? 0} requests, product-list p95 ${p95 === undefined ? 'n/a' : `${Math.round(p95 * 10) / 10} ms`}, errors ${errors === undefined ? 'n/a' : `${(errors * 100).toFixed(1)} %`}`;
}

export interface ThresholdResult {
  metric: string;
  expression: string;
  failed: boolean;
}

export function thresholdResults(summary: SummaryExport): ThresholdResult[] {
  return Object.entries(summary.metrics).flatMap(([metric, m]) =>
    Object.entries(m.thresholds ?? {}).map(([expression, failed]) => ({ metric, expression, failed })),
  );
}

/** Each threshold of a runner's summary export, by its metric and expression: met or not. */
export function thresholdsMet(summaryFile: string): Record<string, { ok: boolean }> {
  const out: Record<string, { ok: boolean }> = {};
  for (const t of thresholdResults(readSummaryExport(summaryFile)))
    out[`${t.metric}: ${t.expression}`] = { ok: !t.failed };
  return out;
}
