// A local k6-summary (jslib.k6.io/k6-summary): textSummary and jUnit for handleSummary, no network.
import { autoKeysOf, renderText, type SummaryData } from '../summary.ts';
import type { VU } from '../runtime.ts';

function xml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** JUnit XML with one test case per threshold, failed ones with a failure element. */
export function jUnit(data: SummaryData, options?: { name?: string; classname?: string }): string {
  const cases: string[] = [];
  let failures = 0;
  for (const [key, m] of Object.entries(data.metrics)) {
    for (const [expr, t] of Object.entries(m.thresholds ?? {})) {
      const name = xml(`${key} - ${expr}`);
      if (t.ok) cases.push(`<testcase name="${name}" />`);
      else {
        failures++;
        cases.push(`<testcase name="${name}"><failure message="failed" /></testcase>`);
      }
    }
  }
  const suite = xml(options?.name ?? 'k6 thresholds');
  return `<?xml version="1.0"?>\n<testsuites tests="${cases.length}" failures="${failures}">\n<testsuite name="${suite}" tests="${cases.length}" failures="${failures}">${cases.join('\n')}\n</testsuite>\n</testsuites>\n`;
}

export function k6SummaryModule(vu: VU) {
  return {
    // options.indent and enableColors shape only the look; the figures are the runner's own summary
    textSummary: (data: SummaryData, _options?: { indent?: string; enableColors?: boolean }) =>
      renderText(data, autoKeysOf(vu.rt.registry)),
    jUnit,
  };
}
