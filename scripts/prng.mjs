// mulberry32: a small seeded PRNG, so review samples are repeatable (the accuracy
// scripts). The fuzz harness has the same generator as a class (test/fuzz/prng.ts).

/** A function returning floats in [0, 1) from a 32-bit seed. */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
