/**
 * Number formatting shared by the markdown and HTML reports, so both show the same figures.
 * Every formatter takes `number | null | undefined` and returns null for a missing value: the caller decides
 * which footnote explains the gap (see Notes in model.ts), so "n/a" is never silent.
 */

export type Num = number | null | undefined;

function has(n: Num): n is number {
  return typeof n === 'number' && Number.isFinite(n);
}

/** en-US grouping regardless of the machine's locale: reports are compared across machines and CI. */
const group = (n: number, digits: number) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

export function fmtInt(n: Num): string | null {
  return has(n) ? group(Math.round(n), 0) : null;
}

/** Small numbers keep more digits so a 0.4 ms query does not read as "0 ms". */
export function fmtNum(n: Num): string | null {
  if (!has(n)) return null;
  const a = Math.abs(n);
  // whole numbers (counts, "3x", "10 s") read better without trailing zeros
  if (Number.isInteger(n)) return group(n, 0);
  if (a < 10) return group(n, 2);
  if (a < 100) return group(n, 1);
  return group(n, 0);
}

export function fmtMs(n: Num): string | null {
  const s = fmtNum(n);
  return s === null ? null : `${s} ms`;
}

/** Rates are fractions 0..1 in the data; shown as percent. Tiny non-zero rates stay visible. */
export function fmtPct(n: Num): string | null {
  if (!has(n)) return null;
  const p = n * 100;
  if (p === 0) return '0 %';
  if (Math.abs(p) < 0.1) return `${group(p, 2)} %`;
  return `${group(p, 1)} %`;
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

export function fmtBytes(n: Num): string | null {
  if (!has(n)) return null;
  let v = n;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${group(v, 0)} B` : `${fmtNum(v)} ${UNITS[u]}`;
}

/** before/after ratios: "12.3×"; below 1 it means the fix was slower, shown as such by the caller. */
export function fmtRatio(n: Num): string | null {
  if (!has(n)) return null;
  return `${fmtNum(n)}×`;
}

/** a / b when both are known and b is non-zero (per-call figures, ratios). */
export function div(a: Num, b: Num): number | null {
  return has(a) && has(b) && b !== 0 ? a / b : null;
}

export function isNum(n: Num): n is number {
  return has(n);
}
