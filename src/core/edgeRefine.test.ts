import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../util/random';
import { refineEdges, weightedMedian } from './edgeRefine';

describe('weightedMedian', () => {
  it('is the smallest value whose cumulative weight (values sorted) reaches half, on random cases with ties', () => {
    const rand = mulberry32(3);
    for (let t = 0; t < 500; t++) {
      const k = 1 + Math.floor(rand() * 40);
      const vals = Float64Array.from({ length: k }, () => Math.floor(rand() * 6));
      const wts = Float64Array.from({ length: k }, () => rand());
      const total = wts.reduce((a, b) => a + b, 0);
      const order = [...vals.keys()].sort((a, b) => vals[a] - vals[b]);
      let acc = 0;
      let want = NaN;
      for (const i of order) {
        acc += wts[i];
        if (acc >= total / 2) {
          want = vals[i];
          break;
        }
      }
      expect(weightedMedian(Float64Array.from(vals), Float64Array.from(wts), k, total)).toBe(want);
    }
  });
});

describe('refineEdges', () => {
  // A 24 x 16 image: dark left half (x < 12), bright right half; the map's edge is blurred over x = 9..14.
  const W = 24;
  const H = 16;
  const rgb = new Float32Array(W * H * 3);
  const gt = new Float32Array(W * H);
  const blurred = new Float32Array(W * H);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const i = y * W + x;
      rgb.fill(x < 12 ? 0.2 : 0.8, 3 * i, 3 * i + 3);
      gt[i] = x < 12 ? 10 : 30;
      blurred[i] = x <= 9 ? 10 : x >= 14 ? 30 : 10 + ((x - 9) * 20) / 5;
    }
  }

  it('moves a blurred depth edge onto the image edge', () => {
    const err = (d: Float32Array) => d.reduce((a, v, i) => a + Math.abs(v - gt[i]), 0) / d.length;
    const refined = refineEdges(blurred, rgb, W, H, 3);
    expect(err(blurred)).toBeCloseTo(1, 6); // (0 + 4 + 8 + 8 + 4 + 0 px over the six blurred columns) / 24 columns
    // every pixel but the first bright column lands on its side's value; there four bright values (22, 26, 30, 30)
    // have equal weight, and the weighted median is the lower middle, 26
    expect(err(refined)).toBeCloseTo(4 / 24, 6);
    expect(refined[5 * W + 12]).toBe(26);
    expect([10, 11, 13].map((x) => refined[5 * W + x])).toEqual([10, 10, 30]);
  });

  it('leaves a map whose windows span at most minRange alone, and radius 0 gives a copy', () => {
    const slope = Float32Array.from({ length: W * H }, (_, i) => 5 + 0.05 * (i % W)); // 0.05 px a column
    expect(Array.from(refineEdges(slope, rgb, W, H, 3))).toEqual(Array.from(slope));
    const copy = refineEdges(blurred, rgb, W, H, 0);
    expect(copy).not.toBe(blurred);
    expect(Array.from(copy)).toEqual(Array.from(blurred));
  });

  it('refuses a map and an image of other sizes, and a radius that is not a whole number', () => {
    expect(() => refineEdges(blurred, rgb.subarray(3), W, H, 3)).toThrow(/24x16 map needs 384 disparities and 1152 colour values/);
    expect(() => refineEdges(blurred, rgb, W, H, 1.5)).toThrow(/radius/);
  });
});
