/**
 * The neutral document a report is made of: title, verdict, sections of tables, footnotes. The markdown and
 * HTML renderers only serialise it, so the two reports can never disagree on a figure or a note.
 */

export interface Cell {
  text: string;
  /** 1-based footnote explaining an "n/a" */
  note?: number;
  status?: 'pass' | 'fail';
}

export interface Table {
  headers: string[];
  /** 'r' for figures so digits line up */
  align: ('l' | 'r')[];
  rows: Cell[][];
}

export interface Section {
  id: string;
  title: string;
  paragraphs: string[];
  tables: Table[];
}

export interface ReportModel {
  title: string;
  subtitle: string;
  verdict: string;
  sections: Section[];
  notes: string[];
}
