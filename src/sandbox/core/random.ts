/**
 * A small seeded PRNG (mulberry32): the sandbox's numbers and fault draws repeat for a given
 * seed, so a failing test can be replayed exactly.
 */
export type Random = () => number;

/** A deterministic generator of floats in [0, 1) for `seed`. */
export function createRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
