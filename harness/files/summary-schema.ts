import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The `schema` a run folder's summary.json names (which mode wrote it), or undefined when there is none to read. */
export function summarySchemaOf(dir: string): string | undefined {
  try {
    const schema = (JSON.parse(readFileSync(path.join(dir, 'summary.json'), 'utf8')) as { schema?: unknown }).schema;
    return typeof schema === 'string' ? schema : undefined;
  } catch {
    return undefined;
  }
}
