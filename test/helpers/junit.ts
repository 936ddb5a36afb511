import { readFileSync } from 'node:fs';
import { XMLParser, XMLValidator } from 'fast-xml-parser';

/** The test cases of a JUnit file, read with a real XML parser (it must be well-formed first). */
export function junitCases(file: string): { name: string; failed: boolean }[] {
  const xml = readFileSync(file, 'utf8');
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new Error(`${file} is not well-formed XML: ${valid.err.msg} (line ${valid.err.line})`);
  const doc = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    isArray: (name) => name === 'testcase' || name === 'testsuite',
  }).parse(xml);
  const suites: { testcase?: { name: string; failure?: unknown }[] }[] = doc.testsuites.testsuite;
  return suites
    .flatMap((s) => s.testcase ?? [])
    .map((c) => ({ name: String(c.name), failed: c.failure !== undefined }));
}
