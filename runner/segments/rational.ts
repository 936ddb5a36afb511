// Exact fractions for execution segments: k6 does the segment math on rationals (big.Rat) so that thirds and
// sevenths split without losing a VU to rounding; bigint keeps that exact here.

export interface Rat {
  n: bigint;
  d: bigint;
}

function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b < 0n ? -b : b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

export function rat(n: bigint, d: bigint = 1n): Rat {
  if (d === 0n) throw new RangeError('zero denominator');
  const sign = d < 0n ? -1n : 1n;
  const g = gcd(n, d) || 1n;
  return { n: (sign * n) / g, d: (sign * d) / g };
}

export const ZERO = rat(0n);
export const ONE = rat(1n);

export const add = (a: Rat, b: Rat): Rat => rat(a.n * b.d + b.n * a.d, a.d * b.d);
export const sub = (a: Rat, b: Rat): Rat => rat(a.n * b.d - b.n * a.d, a.d * b.d);
export const mul = (a: Rat, b: Rat): Rat => rat(a.n * b.n, a.d * b.d);
export const cmp = (a: Rat, b: Rat): number => {
  const x = a.n * b.d - b.n * a.d;
  return x < 0n ? -1 : x > 0n ? 1 : 0;
};

/** Rounds half up to a whole number, as k6's roundUp does for its Scale. */
export function roundHalfUp(a: Rat): bigint {
  const q = a.n / a.d;
  const r = a.n % a.d;
  // bigint division truncates toward zero; the values rounded here are never negative
  return r * 2n >= a.d ? q + 1n : q;
}

/** `1/4` rather than `0.25`, and `1` rather than `1/1`: the form k6 prints (RatString). */
export function ratString(a: Rat): string {
  return a.d === 1n ? String(a.n) : `${a.n}/${a.d}`;
}

/**
 * A percentage (`25%`), a decimal (`0.25`) or a fraction (`1/4`), as k6 reads each end of a segment; undefined
 * when it is none of them.
 */
export function parseRat(text: string): Rat | undefined {
  const s = text.trim();
  let m = /^(\d+)%$/.exec(s);
  if (m) return rat(BigInt(m[1]), 100n);
  m = /^(\d+)\/(\d+)$/.exec(s);
  if (m) return BigInt(m[2]) === 0n ? undefined : rat(BigInt(m[1]), BigInt(m[2]));
  m = /^(\d*)(?:\.(\d+))?$/.exec(s);
  if (m && (m[1] !== '' || m[2] !== undefined)) {
    const frac = m[2] ?? '';
    return rat(BigInt(`${m[1] || '0'}${frac}`), 10n ** BigInt(frac.length));
  }
  return undefined;
}
