import { createHash } from 'node:crypto';
import { parseTagComment } from '../../shop/sqlcommenter.ts';

/**
 * A statement's identity across runs, databases and servers. pg_stat_statements' queryid is not one: it is
 * computed from the parse tree with the tables' OIDs, so the same statement gets another queryid in each
 * database (every dataset size lives in its own) and after a reseed. The fingerprint hashes the text
 * instead, normalised the way a reader would call two statements "the same": comments dropped, literals and
 * parameters ($1, 42, 'x') made alike, lists of them collapsed (IN ($1, $2) and IN ($1) are one statement,
 * whatever a page happens to pass), identifiers and keywords lower-cased, whitespace ignored.
 */
export interface NormalisedStatement {
  /** 12 hex digits of sha256 over `normalised` */
  fingerprint: string;
  normalised: string;
  /** the first naming comment's text (a tag such as `loadlab:product-list:before`; never sqlcommenter tags), if any */
  label: string | null;
}

type Token = { kind: 'value' | 'word' | 'punct'; text: string };

const CONSTANT_WORDS = new Set(['true', 'false', 'null']);

/**
 * A comment that names the statement; not the `/*, ... *\/` pg_stat_statements writes into a squashed list, and
 * not a sqlcommenter comment (`/*event='x',route='y'*\/`): those say whose call it was, which differs from call
 * to call of one statement, and pg_stat_statements keeps whichever tenant's text it saw first.
 */
const tagOf = (comment: string): string | null =>
  /[A-Za-z]/.test(comment) && !parseTagComment(comment) ? comment.trim() : null;

/** Splits SQL into words, values and punctuation; comments are dropped, the first one kept as the label. */
function tokenize(sql: string): { tokens: Token[]; label: string | null } {
  const tokens: Token[] = [];
  let label: string | null = null;
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      label ??= tagOf(sql.slice(i + 2, end < 0 ? n : end));
      i = end < 0 ? n : end + 1;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      label ??= tagOf(sql.slice(i + 2, end < 0 ? n : end));
      i = end < 0 ? n : end + 2;
    } else if (c === "'" || ((c === 'E' || c === 'e') && sql[i + 1] === "'")) {
      // a string literal; '' is a quote inside it, and E'' strings also escape with a backslash
      const escapes = c !== "'";
      let j = i + (escapes ? 2 : 1);
      while (j < n) {
        if (escapes && sql[j] === '\\') j += 2;
        else if (sql[j] === "'" && sql[j + 1] === "'") j += 2;
        else if (sql[j] === "'") break;
        else j++;
      }
      tokens.push({ kind: 'value', text: '?' });
      i = j + 1;
    } else if (c === '"') {
      const j = sql.indexOf('"', i + 1);
      tokens.push({ kind: 'word', text: sql.slice(i, j < 0 ? n : j + 1) });
      i = j < 0 ? n : j + 1;
    } else if (c === '$' && /[0-9]/.test(sql[i + 1] ?? '')) {
      let j = i + 1;
      while (j < n && /[0-9]/.test(sql[j])) j++;
      tokens.push({ kind: 'value', text: '?' });
      i = j;
    } else if (c === '$') {
      // a dollar-quoted string: $$...$$ or $tag$...$tag$
      const tag = /^\$[A-Za-z_]*\$/.exec(sql.slice(i))?.[0];
      if (!tag) {
        tokens.push({ kind: 'punct', text: c });
        i++;
        continue;
      }
      const end = sql.indexOf(tag, i + tag.length);
      tokens.push({ kind: 'value', text: '?' });
      i = end < 0 ? n : end + tag.length;
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(sql[i + 1] ?? ''))) {
      const m = /^(?:[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)/.exec(sql.slice(i))!;
      tokens.push({ kind: 'value', text: '?' });
      i += Math.max(1, m[0].length);
    } else if (/[A-Za-z_\u0080-\uffff]/.test(c)) {
      let j = i + 1;
      while (j < n && /[A-Za-z0-9_$\u0080-\uffff]/.test(sql[j])) j++;
      const word = sql.slice(i, j).toLowerCase();
      // pg_stat_statements stores true, false and null as parameters too
      tokens.push(CONSTANT_WORDS.has(word) ? { kind: 'value', text: '?' } : { kind: 'word', text: word });
      i = j;
    } else {
      // operators keep their characters together (::, >=, <>), everything else stands alone
      let j = i + 1;
      if (/[<>=!~*+\-/%^|&@#:]/.test(c))
        while (
          j < n &&
          /[<>=!~*+\-/%^|&@#:]/.test(sql[j]) &&
          !(sql[j] === '-' && sql[j + 1] === '-') &&
          !(sql[j] === '/' && sql[j + 1] === '*')
        )
          j++;
      tokens.push({ kind: 'punct', text: sql.slice(i, j) });
      i = j;
    }
  }
  return { tokens, label };
}

/** `? , ? , ?` inside brackets becomes one `?`, and a unary minus folds into its value. */
function collapseLists(tokens: Token[]): Token[] {
  const out: Token[] = [];
  for (const t of tokens) {
    const prev = out.at(-1);
    const beforePrev = out.at(-2);
    if (
      t.kind === 'value' &&
      prev?.text === '-' &&
      (!beforePrev || beforePrev.kind === 'punct' || beforePrev.text === 'in')
    ) {
      out.pop();
    }
    if (t.kind === 'value' && out.at(-1)?.text === ',' && out.at(-2)?.kind === 'value') {
      out.pop();
      continue;
    }
    out.push(t);
  }
  return out;
}

export function normaliseStatement(sql: string): NormalisedStatement {
  const { tokens, label } = tokenize(sql);
  const normalised = collapseLists(tokens)
    .map((t) => t.text)
    .join(' ')
    .replace(/;\s*$/, '')
    .trim();
  const fingerprint = createHash('sha256').update(normalised).digest('hex').slice(0, 12);
  return { fingerprint, normalised, label: label && label.length <= 60 ? label : null };
}

/** One line of SQL for a table: comments dropped, whitespace collapsed, cut at `max` characters. */
export function shortSql(sql: string, max = 90): string {
  const flat = sql
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/--[^\n]*/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1).trimEnd()}…`;
}
