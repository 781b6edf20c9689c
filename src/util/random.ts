/**
 * Seeded PRNG (mulberry32), used for the networks' initial weights (src/model/layers.ts), crop sampling and
 * augmentation (src/train/pipeline.ts, src/train/corpus.ts) and the tests: the same seed gives the same weights
 * and crops on every backend (model/networks.test.ts, train/pipeline.test.ts).
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
