/**
 * The two models a capacity review fits, by least squares and nothing else: a power law of capacity against
 * dates (linear in log-log space, so closed form) and the Universal Scalability Law of throughput against
 * concurrency (not linear in its parameters, so a small Nelder-Mead search).
 */

export interface PowerLaw {
  /** capacity = a x dates^b */
  a: number;
  b: number;
  /** coefficient of determination in log space; null with two points (a line through two points fits exactly) */
  r2: number | null;
}

/** Least squares of ln y = ln a + b ln x. Needs at least two distinct positive x and positive y. */
export function fitPowerLaw(xs: number[], ys: number[]): PowerLaw | null {
  const pts = xs.map((x, i) => [x, ys[i]] as const).filter(([x, y]) => x > 0 && y > 0);
  if (new Set(pts.map(([x]) => x)).size < 2) return null;
  const lx = pts.map(([x]) => Math.log(x));
  const ly = pts.map(([, y]) => Math.log(y));
  const mx = mean(lx);
  const my = mean(ly);
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < lx.length; i++) {
    sxy += (lx[i] - mx) * (ly[i] - my);
    sxx += (lx[i] - mx) ** 2;
  }
  const b = sxy / sxx;
  const lnA = my - b * mx;
  const ssTot = ly.reduce((s, v) => s + (v - my) ** 2, 0);
  const ssRes = ly.reduce((s, v, i) => s + (v - (lnA + b * lx[i])) ** 2, 0);
  return { a: Math.exp(lnA), b, r2: pts.length > 2 && ssTot > 0 ? 1 - ssRes / ssTot : null };
}

export const powerLawAt = (p: PowerLaw, x: number): number => p.a * x ** p.b;

/** The x where the power law reaches y: where a falling capacity curve meets a traffic level. */
export function powerLawSolve(p: PowerLaw, y: number): number | null {
  if (p.b === 0 || y <= 0) return null;
  return (y / p.a) ** (1 / p.b);
}

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;

/** Nelder-Mead simplex minimisation: enough for three parameters and a smooth objective. */
export function nelderMead(f: (x: number[]) => number, start: number[], step: number[], maxIter = 2000): number[] {
  const n = start.length;
  let simplex = [start, ...start.map((_, i) => start.map((v, j) => (i === j ? v + step[i] : v)))].map((x) => ({
    x,
    f: f(x),
  }));
  const combine = (a: number[], b: number[], t: number) => a.map((v, i) => v + t * (b[i] - v));
  for (let iter = 0; iter < maxIter; iter++) {
    simplex.sort((p, q) => p.f - q.f);
    const best = simplex[0];
    const worst = simplex[n];
    if (Math.abs(worst.f - best.f) <= 1e-12 * (Math.abs(best.f) + 1e-12)) break;
    const centroid = start.map((_, i) => mean(simplex.slice(0, n).map((p) => p.x[i])));
    const reflected = combine(centroid, worst.x, -1);
    const fr = f(reflected);
    if (fr < best.f) {
      const expanded = combine(centroid, worst.x, -2);
      const fe = f(expanded);
      simplex[n] = fe < fr ? { x: expanded, f: fe } : { x: reflected, f: fr };
    } else if (fr < simplex[n - 1].f) {
      simplex[n] = { x: reflected, f: fr };
    } else {
      const contracted = combine(centroid, worst.x, 0.5);
      const fc = f(contracted);
      if (fc < worst.f) simplex[n] = { x: contracted, f: fc };
      else
        simplex = simplex.map((p) =>
          p === best ? p : { x: combine(best.x, p.x, 0.5), f: f(combine(best.x, p.x, 0.5)) },
        );
    }
  }
  simplex.sort((p, q) => p.f - q.f);
  return simplex[0].x;
}

export interface UslFit {
  /** throughput of one client alone (requests/s) */
  lambda: number;
  /** contention: the share of the work that is serialised */
  sigma: number;
  /** coherency: the cost of clients keeping each other in step, which makes throughput fall past the peak */
  kappa: number;
  /** the concurrency of the highest throughput; null when kappa is 0 (throughput only levels off) */
  peak_concurrency: number | null;
  peak_throughput: number | null;
  /** root mean square of the relative residuals over the measured levels */
  rms_relative_error: number;
}

export const uslAt = (f: Pick<UslFit, 'lambda' | 'sigma' | 'kappa'>, n: number): number =>
  (f.lambda * n) / (1 + f.sigma * (n - 1) + f.kappa * n * (n - 1));

/**
 * X(N) = lambda N / (1 + sigma (N - 1) + kappa N (N - 1)), fitted to (concurrency, throughput) by minimising
 * the squared relative residuals (a level of 2 req/s counts as much as one of 200), with sigma and kappa kept
 * non-negative by fitting their square roots. Needs at least three levels; the review asks for six.
 */
export function fitUsl(points: { concurrency: number; throughput: number }[]): UslFit | null {
  const pts = points.filter((p) => p.concurrency > 0 && p.throughput > 0);
  if (new Set(pts.map((p) => p.concurrency)).size < 3) return null;
  const model = (v: number[]) => ({ lambda: Math.abs(v[0]), sigma: v[1] ** 2, kappa: v[2] ** 2 });
  const loss = (v: number[]) => {
    const m = model(v);
    return pts.reduce((s, p) => s + ((uslAt(m, p.concurrency) - p.throughput) / p.throughput) ** 2, 0);
  };
  const lambda0 = Math.max(...pts.map((p) => p.throughput / p.concurrency));
  // a few starting points: the simplex can stall in the flat valley between contention and coherency
  let best: number[] | null = null;
  for (const [s, k] of [
    [0.3, 0.03],
    [0.05, 0.001],
    [0.8, 0.1],
  ]) {
    const v = nelderMead(loss, [lambda0, s, k], [lambda0 * 0.2, 0.1, 0.02], 4000);
    if (!best || loss(v) < loss(best)) best = v;
  }
  const m = model(best!);
  const sigma = Math.min(m.sigma, 1);
  const peakN = m.kappa > 1e-12 && sigma < 1 ? Math.sqrt((1 - sigma) / m.kappa) : null;
  return {
    lambda: m.lambda,
    sigma,
    kappa: m.kappa,
    peak_concurrency: peakN,
    peak_throughput: peakN === null ? null : uslAt({ ...m, sigma }, peakN),
    rms_relative_error: Math.sqrt(loss(best!) / pts.length),
  };
}

export interface LinearCost {
  /** 1 / capacity = s0 + s1 x dates: a fixed cost per visitor plus a cost per date of the series */
  s0: number;
  s1: number;
}

/**
 * Least squares of 1/y = s0 + s1 x, each point weighted by y² so the residuals are relative to y. A capacity
 * limited by a fixed cost at small sizes and by work per date at large ones follows this curve; a power law
 * bends it into one straight line in log-log space. Null with fewer than two distinct x or a negative fit.
 */
export function fitLinearCost(xs: number[], ys: number[]): LinearCost | null {
  const pts = xs.map((x, i) => [x, ys[i]] as const).filter(([x, y]) => x > 0 && y > 0);
  if (new Set(pts.map(([x]) => x)).size < 2) return null;
  let sw = 0;
  let swx = 0;
  let swy = 0;
  let swxx = 0;
  let swxy = 0;
  for (const [x, y] of pts) {
    const w = y * y;
    const v = 1 / y;
    sw += w;
    swx += w * x;
    swy += w * v;
    swxx += w * x * x;
    swxy += w * x * v;
  }
  const det = sw * swxx - swx * swx;
  if (det === 0) return null;
  const s1 = (sw * swxy - swx * swy) / det;
  const s0 = (swy - s1 * swx) / sw;
  if (s0 + s1 * Math.max(...pts.map(([x]) => x)) <= 0) return null;
  return { s0, s1 };
}

export const linearCostAt = (p: LinearCost, x: number): number => 1 / (p.s0 + p.s1 * x);

/** The x where capacity falls to y; null when it never does (no cost per date) or already has at x = 0. */
export function linearCostSolve(p: LinearCost, y: number): number | null {
  if (p.s1 <= 0 || y <= 0) return null;
  const x = (1 / y - p.s0) / p.s1;
  return x > 0 ? x : null;
}

export interface Line {
  /** y = c0 + c1 x */
  c0: number;
  c1: number;
}

/** Ordinary least squares of y = c0 + c1 x: absolute residuals, so the largest values decide the slope. */
export function fitLine(xs: number[], ys: number[]): Line | null {
  if (xs.length !== ys.length || new Set(xs).size < 2) return null;
  const mx = mean(xs);
  const my = mean(ys);
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < xs.length; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
  }
  const c1 = sxy / sxx;
  return { c0: my - c1 * mx, c1 };
}
