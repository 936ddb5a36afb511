/**
 * sqlcommenter's comment format (https://google.github.io/sqlcommenter/spec/): `/*key='value',...*\/` appended to
 * the statement, keys sorted, keys and values URL-encoded, a quote in either escaped with a backslash. The shop
 * writes it so an operator can tell whose traffic a statement is; `npm run diagnose` reads it back from
 * pg_stat_activity, whichever application wrote it (Django's sqlcommenter middleware writes the same format).
 */
export type Tags = Readonly<Record<string, string>>;

const encode = (s: string) => encodeURIComponent(s).replace(/'/g, "\\'");

/** The comment for these tags, or '' when there are none (an empty comment would only cost bytes). */
export function serializeTags(tags: Tags): string {
  const keys = Object.keys(tags)
    .filter((k) => tags[k] !== undefined && tags[k] !== '')
    .sort();
  if (keys.length === 0) return '';
  return `/*${keys.map((k) => `${encode(k)}='${encode(tags[k])}'`).join(',')}*/`;
}

/**
 * The statement with the tags appended. The spec leaves a statement that already has a comment alone; the shop
 * appends anyway, because its statements carry a naming comment (`loadlab:product-list:before`) that reports
 * rely on and that says nothing about the tenant.
 */
export function appendTags(sql: string, tags: Tags): string {
  const comment = serializeTags(tags);
  return comment ? `${sql} ${comment}` : sql;
}

const PAIR = /^([^=',]+)='((?:[^'\\]|\\.)*)'$/;

const decode = (s: string): string | null => {
  try {
    return decodeURIComponent(s.replace(/\\(.)/g, '$1'));
  } catch {
    return null;
  }
};

/** The tags of one comment's inner text (`key='v',...`), or null when it is not a sqlcommenter comment. */
export function parseTagComment(inner: string): Record<string, string> | null {
  const text = inner.trim();
  if (text === '') return null;
  const out: Record<string, string> = {};
  // split on commas between pairs only: a value's own commas are URL-encoded
  for (const part of text.split(/,(?=[^=',]+=')/)) {
    const m = PAIR.exec(part.trim());
    if (!m) return null;
    const key = decode(m[1]);
    const value = decode(m[2]);
    if (key === null || value === null) return null;
    out[key] = value;
  }
  return out;
}

/**
 * The statement's sqlcommenter tags, merged over all its tag comments (an application may stack two: Django's
 * sqlcommenter middleware for the route, one of its own for the tenant; a later key wins), or null when it carries
 * none (or they were cut off with the end of the text).
 */
export function tagsOf(sql: string): Record<string, string> | null {
  let out: Record<string, string> | null = null;
  for (const m of sql.matchAll(/\/\*([\s\S]*?)\*\//g)) {
    const tags = parseTagComment(m[1]);
    if (tags) out = { ...(out ?? {}), ...tags };
  }
  return out;
}
