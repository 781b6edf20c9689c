import { describe, expect, it } from 'vitest';
import { baseScale, cutCorpusBatch, cutView, estimateDispMax, planCorpusBatch, RANGE_SHARE, SCALE_JITTER, toBytes, type CorpusPair } from './corpus';

const crop = { width: 64, height: 32, batch: 4, jitter: 0.1, flip: true, seed: 3 };

function pair(name: string, domain: string, width = 200, height = 100, dispMax = 20): CorpusPair {
  const n = width * height * 3;
  const left = new Uint8Array(n);
  const right = new Uint8Array(n);
  for (let i = 0; i < n; i++) [left[i], right[i]] = [(i * 7) % 251, (i * 13) % 253];
  return { name, domain, width, height, left, right, dispMax, dispMaxKnown: true };
}

describe('corpus sampling', () => {
  it('gives each domain the same share of crops, however many pairs it has', () => {
    const pairs = [...Array.from({ length: 30 }, (_, i) => pair(`d${i}`, 'driving')), pair('s0', 'synthetic'), ...Array.from({ length: 9 }, (_, i) => pair(`i${i}`, 'indoor'))];
    const counts: Record<string, number> = {};
    for (let step = 0; step < 1500; step++) for (const c of planCorpusBatch(pairs, crop, 96, step)) counts[pairs[c.pair].domain] = (counts[pairs[c.pair].domain] ?? 0) + 1;
    const total = 1500 * crop.batch;
    for (const d of ['driving', 'synthetic', 'indoor']) expect(Math.abs(counts[d] / total - 1 / 3)).toBeLessThan(0.03);
  });

  it('depends on the seed and the step alone, so a continued run sees the same crops', () => {
    const pairs = [pair('a', 'x'), pair('b', 'y')];
    expect(planCorpusBatch(pairs, crop, 96, 17)).toEqual(planCorpusBatch(pairs, crop, 96, 17));
    expect(planCorpusBatch(pairs, crop, 96, 17)).not.toEqual(planCorpusBatch(pairs, crop, 96, 18));
    expect(planCorpusBatch(pairs, { ...crop, seed: 4 }, 96, 17)).not.toEqual(planCorpusBatch(pairs, crop, 96, 17));
  });

  it('shrinks a pair whose disparities exceed the range, never below what the crop needs, and keeps crops inside', () => {
    expect(baseScale({ dispMax: 40 }, 96)).toBe(1);
    expect(baseScale({ dispMax: 144 }, 96)).toBeCloseTo((RANGE_SHARE * 96) / 144);
    expect(estimateDispMax(1000)).toBeGreaterThan(100); // a wide pair is assumed to have large disparities
    const wide = pair('wide', 'x', 600, 200, 300);
    const small = pair('small', 'y', 50, 30, 10); // smaller than the crop: scaled up to fit
    for (let step = 0; step < 200; step++) {
      for (const c of planCorpusBatch([wide, small], crop, 96, step)) {
        const p = [wide, small][c.pair];
        const fit = Math.max(crop.width / p.width, crop.height / p.height);
        if (p === wide) {
          // largest disparity after scaling within the range share; jitter only shrinks
          expect(c.scale).toBeLessThanOrEqual(baseScale(p, 96) + 1e-9);
          expect(c.scale).toBeGreaterThanOrEqual(Math.max(fit, baseScale(p, 96) * 2 ** -SCALE_JITTER) - 1e-9);
        } else expect(c.scale).toBeCloseTo(fit);
        expect(c.x + crop.width).toBeLessThanOrEqual(Math.floor(p.width * c.scale));
        expect(c.y + crop.height).toBeLessThanOrEqual(Math.floor(p.height * c.scale));
      }
    }
  });
});

describe('corpus crops', () => {
  it('cut at scale 1 without jitter is the window itself, and a flipped crop is the mirrored pair', () => {
    const p = pair('a', 'x', 20, 10);
    const plan = { pair: 0, scale: 1, x: 3, y: 2, flip: false, gainL: [1, 1, 1] as [number, number, number], gainR: [1, 1, 1] as [number, number, number], biasL: 0, biasR: 0 };
    const { left, right } = cutCorpusBatch([p], [plan], 8, 4);
    for (let y = 0; y < 4; y++) {
      for (let x = 0; x < 8; x++) {
        for (let c = 0; c < 3; c++) {
          expect(left[(y * 8 + x) * 3 + c]).toBeCloseTo(p.left[((y + 2) * 20 + x + 3) * 3 + c] / 255, 5);
          expect(right[(y * 8 + x) * 3 + c]).toBeCloseTo(p.right[((y + 2) * 20 + x + 3) * 3 + c] / 255, 5);
        }
      }
    }
    const flipped = cutCorpusBatch([p], [{ ...plan, flip: true }], 8, 4);
    // the new left view is the right view mirrored
    for (let x = 0; x < 8; x++) expect(flipped.left[x * 3]).toBeCloseTo(right[(7 - x) * 3], 6);
  });

  it('shrinking averages the covered pixels (a fine stripe pattern becomes grey, not aliased)', () => {
    const W = 64, H = 8;
    const img = new Uint8Array(W * H * 3);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) img.fill(x % 2 ? 255 : 0, (y * W + x) * 3, (y * W + x) * 3 + 3);
    const out = new Float32Array(16 * 2 * 3);
    cutView(img, W, H, { scale: 0.25, x: 0, y: 0 }, 16, 2, false, [1, 1, 1], 0, out, 0);
    for (const v of out) expect(Math.abs(v - 0.5)).toBeLessThan(0.1);
  });

  it('colour changes are per view and stay in [0, 1]', () => {
    const p = pair('a', 'x', 20, 10);
    const plan = { pair: 0, scale: 1, x: 0, y: 0, flip: false, gainL: [2, 2, 2] as [number, number, number], gainR: [0.5, 0.5, 0.5] as [number, number, number], biasL: 0.3, biasR: -0.1 };
    const { left, right } = cutCorpusBatch([p], [plan], 8, 4);
    for (const v of [...left, ...right]) expect(v >= 0 && v <= 1).toBe(true);
    expect(left[5]).toBeCloseTo(Math.min(1, Math.max(0, (p.left[5] / 255 - 0.5) * 2 + 0.8)), 5);
    expect(right[5]).toBeCloseTo(Math.min(1, Math.max(0, (p.right[5] / 255 - 0.5) * 0.5 + 0.4)), 5);
  });

  it('keeps the pairs 8-bit', () => {
    expect(Array.from(toBytes(new Float32Array([0, 0.5, 1, 1.2, -1])))).toEqual([0, 128, 255, 255, 0]);
  });
});
