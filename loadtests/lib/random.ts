/**
 * Seeded choices per visitor: the same (seed, scenario, visitor number) makes the same choices, so the
 * before and after runs see identical traffic whatever VU happens to serve a visitor.
 */
export function visitorRandom(seed: number, scenario: string, visitor: number): () => number {
  let h = 2166136261 ^ seed;
  for (let i = 0; i < scenario.length; i++) h = Math.imul(h ^ scenario.charCodeAt(i), 16777619);
  let state = (h ^ Math.imul(visitor + 1, 0x9e3779b1)) >>> 0;
  // mulberry32
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function between(rnd: () => number, min: number, max: number): number {
  return min + rnd() * (max - min);
}

export function intBetween(rnd: () => number, min: number, max: number): number {
  return Math.floor(min + rnd() * (max - min + 1));
}
