import { describe, expect, it } from 'vitest';
import { inferenceFactor, MAX_FACTOR, MAX_PIXELS, MIN_FACTOR, percentile95 } from './inferScale';

describe('the scale a pair is run at', () => {
  it('brings the 95th percentile of the first answer to half the range, within [0.5, 2]', () => {
    expect(inferenceFactor(16, 128, 433, 381)).toBe(MAX_FACTOR); // 64 / 16 = 4, held to 2
    expect(inferenceFactor(42.5, 128, 427, 370)).toBeCloseTo(64 / 42.5, 10);
    expect(inferenceFactor(83, 128, 960, 540)).toBeCloseTo(64 / 83, 10);
    expect(inferenceFactor(200, 128, 1242, 375)).toBe(MIN_FACTOR);
    expect(inferenceFactor(30, 96, 400, 300)).toBeCloseTo(48 / 30, 10); // the tiny preset's range
  });

  it('leaves factors near 1 alone, and an answer with no disparity', () => {
    expect(inferenceFactor(64, 128, 443, 370)).toBe(1);
    expect(inferenceFactor(67, 128, 1242, 375)).toBe(1); // 0.955
    expect(inferenceFactor(56, 128, 1242, 375)).toBe(1); // 1.14
    expect(inferenceFactor(50, 128, 640, 480)).toBeCloseTo(1.28, 10);
    expect(inferenceFactor(0, 128, 640, 480)).toBe(1);
    expect(inferenceFactor(NaN, 128, 640, 480)).toBe(1);
  });

  it('never grows a pair past MAX_PIXELS, and never shrinks one for it', () => {
    const f = inferenceFactor(10, 128, 1200, 1000);
    expect(f * f * 1200 * 1000).toBeLessThanOrEqual(MAX_PIXELS + 1);
    expect(f).toBeGreaterThan(1.1);
    expect(inferenceFactor(10, 128, 3000, 2000)).toBe(1); // already above the cap: left at 1, not shrunk
  });

  it('percentile95 skips non-finite values', () => {
    const v = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile95(v)).toBe(96);
    expect(percentile95([...v, Infinity, NaN])).toBe(96);
    expect(percentile95([])).toBe(0);
  });
});
