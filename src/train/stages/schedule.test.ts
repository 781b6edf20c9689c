import { describe, expect, it } from 'vitest';
import { learningRateAt, toleranceAt } from './units';

describe('learningRateAt', () => {
  it('warms up linearly, peaks at the base rate, then decays monotonically to 5 % of it', () => {
    const total = 400;
    const lrs = Array.from({ length: total }, (_, i) => learningRateAt('cosine', 1e-3, i, total));
    expect(lrs[0]).toBeCloseTo(1e-3 / 20, 12); // warm-up of 20 steps
    expect(lrs[19]).toBeCloseTo(1e-3, 12);
    for (let i = 1; i < 20; i++) expect(lrs[i]).toBeGreaterThan(lrs[i - 1]);
    for (let i = 20; i < total; i++) expect(lrs[i]).toBeLessThanOrEqual(lrs[i - 1] + 1e-15);
    expect(lrs[total - 1]).toBeCloseTo(5e-5, 12);
    expect(learningRateAt('cosine', 1e-3, 5000, total)).toBeCloseTo(5e-5, 12); // past the end: stays at the floor
  });

  it("keeps the base rate with 'constant' and for one-step stages", () => {
    expect(learningRateAt('constant', 2e-4, 7, 100)).toBe(2e-4);
    expect(learningRateAt('cosine', 2e-4, 0, 1)).toBe(2e-4);
  });
});

describe('toleranceAt', () => {
  it('starts at the start value when the mask starts and shrinks geometrically to the end value', () => {
    expect(toleranceAt(4, 0.5, 80, 80, 400)).toBeCloseTo(4, 12);
    expect(toleranceAt(4, 0.5, 399, 80, 400)).toBeCloseTo(0.5, 12);
    const mid = toleranceAt(4, 0.5, 80 + 319 / 2, 80, 400);
    expect(mid).toBeCloseTo(Math.sqrt(4 * 0.5), 6);
    expect(toleranceAt(0.5, 0.5, 200, 80, 400)).toBe(0.5);
  });
});
