/**
 * Repeated measurements of one figure: the median and the range reported, and the only comparison a reviewer
 * may draw from two of them. Ranges that overlap say nothing about which is larger.
 */

export function median(values: number[]): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function range(values: number[]): [number, number] {
  return values.length ? [Math.min(...values), Math.max(...values)] : [0, 0];
}

export type Comparison = 'higher' | 'lower' | 'no difference measured';

/**
 * How `a` compares with `b` from their ranges alone: higher only when a's lowest figure is above b's highest.
 * A single measurement each is a range of width zero, so two single figures still compare; the report says how
 * many repeats there were.
 */
export function compareRanges(a: [number, number], b: [number, number]): Comparison {
  if (a[0] > b[1]) return 'higher';
  if (a[1] < b[0]) return 'lower';
  return 'no difference measured';
}
