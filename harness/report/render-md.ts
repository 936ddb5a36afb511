/** report.md: the run model as GitHub-flavoured markdown (readable as plain text too). */
import type { Cell, ReportModel, Table } from './document.ts';

/** Pipes would split a table cell and newlines would end the row; backslashes, brackets and emphasis
 * characters would start markup that the figures never mean. */
export function escapeMd(text: string): string {
  return text
    .replace(/\\/g, '\\\\')
    .replace(/([|*_`[\]<>#])/g, '\\$1')
    .replace(/\r?\n/g, ' ');
}

function cellMd(c: Cell): string {
  const text = escapeMd(c.text);
  return c.note ? `${text} [${c.note}]` : text;
}

function tableMd(t: Table): string {
  // a table whose header row is empty (key/value tables) still needs one for markdown: use "Item | Value"
  const headers = t.headers.every((h) => h === '')
    ? t.headers.map((_, i) => (i === 0 ? 'Item' : 'Value'))
    : t.headers.map((h) => h || ' ');
  const lines = [
    `| ${headers.map(escapeMd).join(' | ')} |`,
    `| ${t.align.map((a) => (a === 'r' ? '---:' : ':---')).join(' | ')} |`,
    ...t.rows.map((r) => `| ${r.map(cellMd).join(' | ')} |`),
  ];
  return lines.join('\n');
}

/** Any report model as markdown (the incident's, the timeline's), with a closing line pointing at the charts. */
export function markdownDocument(m: ReportModel, closing: string): string {
  const out: string[] = [
    `# ${escapeMd(m.title)}`,
    '',
    `_${escapeMd(m.subtitle)}_`,
    '',
    '## Verdict',
    '',
    escapeMd(m.verdict),
    '',
  ];
  for (const s of m.sections) {
    out.push(`## ${escapeMd(s.title)}`, '');
    for (const p of s.paragraphs) out.push(escapeMd(p), '');
    for (const t of s.tables) {
      if (t.rows.length === 0) out.push('_No data._', '');
      else out.push(tableMd(t), '');
    }
  }
  if (m.notes.length) {
    out.push('## Notes', '');
    m.notes.forEach((n, i) => void out.push(`${i + 1}. n/a: ${escapeMd(n)}`));
    out.push('');
  }
  out.push(closing, '');
  return out.join('\n');
}
