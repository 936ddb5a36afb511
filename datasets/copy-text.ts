/** Rows of one table in PostgreSQL's COPY text format, built in memory and streamed by load.ts. */
export type Cell = string | number | boolean | null | undefined | Record<string, unknown>;

const CHUNK = 1 << 20;

function escapeText(s: string): string {
  // COPY text format: backslash, tab, newline and carriage return must be escaped
  return /[\\\t\n\r]/.test(s)
    ? s.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r')
    : s;
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
  // Lines are collected and joined per chunk: appending to one growing string builds ropes that cost
  // more in garbage collection than generating the rows.
  private lines: string[] = [];
  private length = 0;

  constructor(
    readonly table: string,
    readonly columns: readonly string[],
  ) {}

  add(cells: readonly Cell[]): void {
    // joined once into a flat string: `line += cell` built a rope of small pieces per row, and walking those
    // ropes was a third of the generator's time in garbage collection
    const parts = new Array<string>(cells.length);
    for (let i = 0; i < cells.length; i++) parts[i] = formatCell(cells[i]);
    const line = parts.join('\t');
    this.lines.push(line);
    this.length += line.length + 1;
    this.rows++;
    if (this.length >= CHUNK) this.flush();
  }

  private flush(): void {
    this.chunks.push(this.lines.join('\n') + '\n');
    this.lines = [];
    this.length = 0;
  }

  /** all chunks, the unfinished one last; call once the table is complete */
  finish(): string[] {
    if (this.lines.length) this.flush();
    return this.chunks;
  }
}
