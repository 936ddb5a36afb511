/** Rows of one table in PostgreSQL's COPY text format, built in memory and streamed by load.ts. */
export type Cell = string | number | boolean | null | undefined | Record<string, unknown>;

const CHUNK = 1 << 20;

function escapeText(s: string): string {
  // COPY text format: backslash, tab, newline and carriage return must be escaped
  return /[\\\t\n\r]/.test(s) ? s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r') : s;
}

export function formatCell(v: Cell): string {
  if (v === null || v === undefined) return '\\N';
  switch (typeof v) {
    case 'boolean':
      return v ? 't' : 'f';
    case 'number':
      return String(v);
    case 'string':
      return escapeText(v);
    default:
      return escapeText(JSON.stringify(v));
  }
}

export class TableRows {
  readonly chunks: string[] = [];
  rows = 0;
  private current = '';

  constructor(
    readonly table: string,
    readonly columns: readonly string[],
  ) {}

  add(cells: readonly Cell[]): void {
    let line = formatCell(cells[0]);
    for (let i = 1; i < cells.length; i++) line += '\t' + formatCell(cells[i]);
    this.current += line + '\n';
    this.rows++;
    if (this.current.length >= CHUNK) {
      this.chunks.push(this.current);
      this.current = '';
    }
  }

  /** all chunks, the unfinished one last; call once the table is complete */
  finish(): string[] {
    if (this.current) this.chunks.push(this.current);
    this.current = '';
    return this.chunks;
  }
}
