import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { UserError } from '../../common/user-error.ts';

/** `variants.before.db[12].t_s`: the field as a person would look for it in the file */
function fieldPath(path: PropertyKey[]): string {
  const out = path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${String(k)}`)).join('');
  return out.startsWith('.') ? out.slice(1) : out || '(top level)';
}

/** Checks a value read back from `file` against its schema: the typed value, or one line naming the first bad field. */
export function checkJson<S extends z.ZodType>(value: unknown, schema: S, file: string, what: string): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new UserError(`${file}: ${fieldPath(issue.path)}: ${issue.message.split('\n')[0]} (expected ${what})`);
}

/** Reads a JSON file the harness wrote earlier through its schema; every failure is one line naming the file. */
export function readJsonFile<S extends z.ZodType>(file: string, schema: S, what: string): z.infer<S> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UserError(`${file} is not valid JSON: ${(err as Error).message.split('\n')[0]}`);
  }
  return checkJson(value, schema, file, what);
}
