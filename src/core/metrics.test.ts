import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  constantDisparityBaseline,
  depthMetrics,
  disparityMetrics,
  disparityMetricsT,
} from './metrics';

// Eight pixels, values exact in float32. Errors on the six valid ones:
//   0.5, 1.5, 2.5, 4 (gt 100: not D1, 4 < 5), 4 (gt 5: D1), 3 (exactly 3: not bad-3).
// Pixel 4 has gt 0 and pixel 7 gt NaN: both invalid, whatever is predicted there.
const GT = new Float32Array([10, 20, 40, 100, 0, 5, 60, NaN]);
const PRED = new Float32Array([10.5, 21.5, 42.5, 104, 999, 9, 57, 3]);
const MASK = new Uint8Array([1, 1, 0, 1, 1, 0, 0, 1]); // 1 = non-occluded

describe('disparityMetrics', () => {
  it('computes EPE, D1 and bad-N on a hand case', () => {
    const { all, nonOcc, occ } = disparityMetrics(PRED, GT);
    expect(all.count).toBe(6);
    expect(all.epe).toBeCloseTo(15.5 / 6, 12);
    expect(all.bad1).toBeCloseTo((100 * 5) / 6, 12);
    expect(all.bad2).toBeCloseTo((100 * 4) / 6, 12);
    expect(all.bad3).toBeCloseTo((100 * 2) / 6, 12);
    expect(all.d1).toBeCloseTo((100 * 1) / 6, 12);
    expect(nonOcc).toBeUndefined();
    expect(occ).toBeUndefined();
  });

  it('excludes invalid ground truth (0, NaN, Infinity, negative)', () => {
    const gt = new Float32Array([0, NaN, Infinity, -3, 8]);
    const pred = new Float32Array([50, 50, 50, 50, 9]);
    const { all } = disparityMetrics(pred, gt);
    expect(all).toEqual({ epe: 1, d1: 0, bad1: 0, bad2: 0, bad3: 0, count: 1 });
  });

  it('splits non-occluded and occluded pixels by the mask', () => {
    const { all, nonOcc, occ } = disparityMetrics(PRED, GT, { mask: MASK });
    // non-occluded valid pixels 0, 1, 3: errors 0.5, 1.5, 4 (gt 100)
    expect(nonOcc!.count).toBe(3);
    expect(nonOcc!.epe).toBeCloseTo(2, 12);
    expect(nonOcc!.bad1).toBeCloseTo(200 / 3, 12);
    expect(nonOcc!.bad2).toBeCloseTo(100 / 3, 12);
    expect(nonOcc!.bad3).toBeCloseTo(100 / 3, 12);
    expect(nonOcc!.d1).toBe(0);
    // occluded valid pixels 2, 5, 6: errors 2.5, 4 (gt 5), 3
    expect(occ!.count).toBe(3);
    expect(occ!.epe).toBeCloseTo(9.5 / 3, 12);
    expect(occ!.bad1).toBe(100);
    expect(occ!.bad2).toBe(100);
    expect(occ!.bad3).toBeCloseTo(100 / 3, 12);
    expect(occ!.d1).toBeCloseTo(100 / 3, 12);
    expect(nonOcc!.count + occ!.count).toBe(all.count);
    // `all` does not depend on the mask
    expect(all).toEqual(disparityMetrics(PRED, GT).all);
  });

  it('treats any nonzero mask value (e.g. 255 from a PNG) as non-occluded', () => {
    const mask255 = MASK.map((v) => v * 255);
    expect(disparityMetrics(PRED, GT, { mask: mask255 })).toEqual(
      disparityMetrics(PRED, GT, { mask: MASK }),
    );
  });

  it('returns NaN stats with count 0 for an empty subset', () => {
    const ones = new Uint8Array(GT.length).fill(1);
    const { occ } = disparityMetrics(PRED, GT, { mask: ones });
    expect(occ!.count).toBe(0);
    for (const k of ['epe', 'd1', 'bad1', 'bad2', 'bad3'] as const) expect(occ![k]).toBeNaN();
    const none = disparityMetrics(new Float32Array(3), new Float32Array(3)).all;
    expect(none.count).toBe(0);
    expect(none.epe).toBeNaN();
  });

  it('counts non-finite predictions as infinite errors, never skips them', () => {
    for (const bad of [NaN, Infinity, -Infinity]) {
      const gt = new Float32Array([10, 10, 10, 10]);
      const pred = new Float32Array([10, 10, 10, bad]);
      const { all } = disparityMetrics(pred, gt);
      expect(all.count).toBe(4);
      expect(all.epe).toBe(Infinity);
      expect(all.bad1).toBe(25);
      expect(all.bad3).toBe(25);
      expect(all.d1).toBe(25);
    }
  });

  it('throws on a length mismatch, naming the function and both lengths', () => {
    expect(() => disparityMetrics(new Float32Array(4), new Float32Array(5))).toThrow(
      /disparityMetrics.*4.*5/,
    );
    expect(() =>
      disparityMetrics(new Float32Array(4), new Float32Array(4), { mask: new Uint8Array(3) }),
    ).toThrow(/disparityMetrics.*mask.*3.*4/);
  });
});

describe('disparityMetricsT', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('agrees with the array version, with and without a mask', async () => {
    const [H, W] = [6, 7];
    const n = H * W;
    const gt = new Float32Array(n);
    const pred = new Float32Array(n);
    const mask = new Uint8Array(n);
    let s = 12345; // small LCG: deterministic, no dependency
    const rand = (): number => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (let i = 0; i < n; i++) {
      gt[i] = rand() < 0.2 ? 0 : 1 + 60 * rand();
      pred[i] = gt[i] + (rand() - 0.5) * 12;
      mask[i] = rand() < 0.7 ? 1 : 0;
    }
    const predT = tf.tensor4d(pred, [1, H, W, 1]);
    const gtT = tf.tensor4d(gt, [1, H, W, 1]);
    const maskT = tf.tensor4d(mask, [1, H, W, 1], 'int32');
    try {
      expect(await disparityMetricsT(predT, gtT)).toEqual(disparityMetrics(pred, gt));
      const expected = disparityMetrics(pred, gt, { mask });
      expect(await disparityMetricsT(predT, gtT, { mask: maskT })).toEqual(expected);
      expect(await disparityMetricsT(predT, gtT, { mask })).toEqual(expected);
      expect(expected.occ!.count).toBeGreaterThan(0);
    } finally {
      tf.dispose([predT, gtT, maskT]);
    }
  });

  it('throws on a size mismatch, naming the function and shapes', async () => {
    const a = tf.zeros([1, 2, 3, 1]);
    const b = tf.zeros([1, 2, 2, 1]);
    await expect(disparityMetricsT(a, b)).rejects.toThrow(/disparityMetricsT.*1,2,3,1.*1,2,2,1/);
    tf.dispose([a, b]);
  });
});

describe('depthMetrics', () => {
  const FB = 100; // focal length (px) times baseline

  it('computes Abs Rel, Sq Rel, RMSE and RMSE log on a hand case', () => {
    // gt disparity 10 -> depth 10; pred disparity 8 -> depth 12.5
    const m = depthMetrics(new Float32Array([8]), new Float32Array([10]), FB);
    expect(m.count).toBe(1);
    expect(m.absRel).toBeCloseTo(0.25, 12);
    expect(m.sqRel).toBeCloseTo(0.625, 12); // 2.5^2 / 10
    expect(m.rmse).toBeCloseTo(2.5, 12);
    expect(m.rmseLog).toBeCloseTo(Math.log(1.25), 12);
  });

  it('uses strict delta thresholds 1.25, 1.25^2, 1.25^3 in both directions', () => {
    // ratios: 1.25 (pred farther), 1.5625 = 1.25^2, 1.25 (pred nearer), 1 (exact)
    const gt = new Float32Array([10, 6.25, 8, 20, 0]); // last pixel invalid
    const pred = new Float32Array([8, 4, 10, 20, 5]);
    const m = depthMetrics(pred, gt, FB);
    expect(m.count).toBe(4);
    expect(m.a1).toBeCloseTo(1 / 4, 12);
    expect(m.a2).toBeCloseTo(3 / 4, 12);
    expect(m.a3).toBe(1);
  });

  it('clips predicted depth and scores only GT depth inside (min, max)', () => {
    // gt depth 100 (out of range, skipped), 50 (scored); pred depth 200 -> clipped to 80
    const m = depthMetrics(new Float32Array([1, 0.5]), new Float32Array([1, 2]), FB, {
      minDepth: 1e-3,
      maxDepth: 80,
    });
    expect(m.count).toBe(1);
    expect(m.absRel).toBeCloseTo(30 / 50, 12);
  });

  it('scores a non-positive or non-finite predicted disparity as infinite depth', () => {
    for (const bad of [0, -1, NaN]) {
      const m = depthMetrics(new Float32Array([bad, 10]), new Float32Array([10, 10]), FB);
      expect(m.count).toBe(2);
      expect(m.absRel).toBe(Infinity);
      expect(m.a1).toBe(0.5);
      // with maxDepth (Monodepth), it becomes maxDepth instead
      const c = depthMetrics(new Float32Array([bad]), new Float32Array([10]), FB, { maxDepth: 20 });
      expect(c.absRel).toBeCloseTo(1, 12);
    }
  });

  it('adds doffs to both disparities (Middlebury calib.txt: depth = f B / (d + doffs))', () => {
    // gt 10 + doffs 10 -> depth 5; pred 30 + 10 -> depth 2.5: Abs Rel 0.5; a GT disparity of -10 has no depth, skipped
    const m = depthMetrics(new Float32Array([30, 5]), new Float32Array([10, -10]), FB, { doffs: 10 });
    expect(m.count).toBe(1);
    expect(m.absRel).toBeCloseTo(0.5, 12);
    expect(m.a3).toBe(0);
    // without doffs the same maps say depth 10 vs 3.33
    expect(depthMetrics(new Float32Array([30]), new Float32Array([10]), FB).absRel).toBeCloseTo(2 / 3, 12);
    expect(() => depthMetrics(new Float32Array(1), new Float32Array(1), FB, { doffs: NaN })).toThrow(/doffs/);
  });

  it('returns NaN with count 0 when nothing is scored, and throws on bad input', () => {
    const m = depthMetrics(new Float32Array(2), new Float32Array(2), FB);
    expect(m.count).toBe(0);
    expect(m.absRel).toBeNaN();
    expect(() => depthMetrics(new Float32Array(2), new Float32Array(3), FB)).toThrow(
      /depthMetrics.*2.*3/,
    );
    expect(() => depthMetrics(new Float32Array(2), new Float32Array(2), 0)).toThrow(/depthMetrics/);
  });
});

describe('constantDisparityBaseline', () => {
  it('uses the median of valid GT and reports its EPE', () => {
    const odd = constantDisparityBaseline(new Float32Array([10, 1, 0, 100, 3, 2]));
    expect(odd).toEqual({ disparity: 3, epe: (2 + 1 + 0 + 7 + 97) / 5, count: 5 });
    const even = constantDisparityBaseline(new Float32Array([1, 2, 3, 10, 0, NaN]));
    expect(even).toEqual({ disparity: 2.5, epe: 2.5, count: 4 });
    expect(constantDisparityBaseline(new Float32Array([0, 0])).count).toBe(0);
  });

  it('matches disparityMetrics for that constant and no constant does better', () => {
    const gt = new Float32Array([4, 9, 0, 13, 2, 2, 30, 7]);
    const base = constantDisparityBaseline(gt);
    const constPred = (c: number): Float32Array => new Float32Array(gt.length).fill(c);
    expect(disparityMetrics(constPred(base.disparity), gt).all.epe).toBeCloseTo(base.epe, 12);
    for (let c = 0; c <= 32; c += 0.25) {
      expect(disparityMetrics(constPred(c), gt).all.epe).toBeGreaterThanOrEqual(base.epe - 1e-12);
    }
  });
});
