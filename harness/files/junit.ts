/** JUnit XML, the one format every CI system reads: one test case per gate (or per audited statement). */
export interface GateCase {
  name: string;
  passed: boolean;
  seconds: number;
  /** one line: what was measured against what limit */
  message: string;
  details: string;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function junitXml(suite: string, cases: GateCase[]): string {
  const failures = cases.filter((c) => !c.passed).length;
  const time = cases.reduce((s, c) => s + c.seconds, 0).toFixed(3);
  const body = cases
    .map((c) => {
      const inner = c.passed
        ? `<system-out>${esc(c.details)}</system-out>`
        : `<failure message="${esc(c.message)}" type="PerformanceGate">${esc(c.details)}</failure>`;
      return `    <testcase classname="${esc(suite)}" name="${esc(c.name)}" time="${c.seconds.toFixed(3)}">\n      ${inner}\n    </testcase>`;
    })
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="${esc(suite)}" tests="${cases.length}" failures="${failures}" time="${time}">\n  <testsuite name="${esc(suite)}" tests="${cases.length}" failures="${failures}" errors="0" time="${time}">\n${body}\n  </testsuite>\n</testsuites>\n`;
}
