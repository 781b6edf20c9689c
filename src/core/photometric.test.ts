import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { numericGrad, randomTensor, relError } from '../testing/gradcheck';
import { maskedMean, photometricError } from './photometric';
import { ssimDissimilarity } from './ssim';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Reference SSIM dissimilarity at one pixel with replicated borders (plain loops). */
function refDssim(a: Float32Array, b: Float32Array, H: number, W: number, y: number, x: number): number {
  const px = (t: Float32Array, yy: number, xx: number) => t[Math.min(H - 1, Math.max(0, yy)) * W + Math.min(W - 1, Math.max(0, xx))];
  let ma = 0, mb = 0, saa = 0, sbb = 0, sab = 0;
  for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
    const va = px(a, y + dy, x + dx), vb = px(b, y + dy, x + dx);
    ma += va / 9; mb += vb / 9; saa += va * va / 9; sbb += vb * vb / 9; sab += va * vb / 9;
  }
  const C1 = 1e-4, C2 = 9e-4;
  const s = ((2 * ma * mb + C1) * (2 * (sab - ma * mb) + C2)) / ((ma * ma + mb * mb + C1) * (saa - ma * ma + sbb - mb * mb + C2));
  return Math.min(1, Math.max(0, (1 - s) / 2));
}

describe('photometric error', () => {
  it('is zero for identical images', async () => {
    const a = randomTensor([2, 8, 10, 3], 1) as tf.Tensor4D;
    const e = photometricError(a, a);
    expect(e.shape).toEqual([2, 8, 10, 1]);
    expect((await tf.max(tf.abs(e)).data())[0]).toBeLessThan(1e-5);
    tf.dispose([a, e]);
  });

  it('SSIM dissimilarity matches a plain-loop 3x3 reference', async () => {
    const [H, W] = [6, 7];
    const a = randomTensor([1, H, W, 1], 2) as tf.Tensor4D;
    const b = randomTensor([1, H, W, 1], 3) as tf.Tensor4D;
    const d = await ssimDissimilarity(a, b).data();
    const av = await a.data() as Float32Array, bv = await b.data() as Float32Array;
    const ref = Float32Array.from({ length: H * W }, (_, i) => refDssim(av, bv, H, W, Math.floor(i / W), i % W));
    expect(relError(d, ref)).toBeLessThan(1e-4);
    tf.dispose([a, b]);
  });

  it('is 0.85 * dssim + 0.15 * L1, averaged over channels, and grows with the difference', async () => {
    const a = randomTensor([1, 5, 5, 3], 4) as tf.Tensor4D;
    const b = tf.tidy(() => tf.add(a, 0.1)) as tf.Tensor4D; // same structure, brightness shift
    const e = photometricError(a, b);
    const dssim = tf.mean(ssimDissimilarity(a, b), 3, true);
    const expected = tf.add(tf.mul(dssim, 0.85), 0.15 * 0.1);
    expect(relError(await e.data(), await expected.data())).toBeLessThan(1e-4);
    const c = randomTensor([1, 5, 5, 3], 5) as tf.Tensor4D;
    const far = photometricError(a, c);
    expect((await tf.mean(far).data())[0]).toBeGreaterThan((await tf.mean(e).data())[0]);
    tf.dispose([a, b, c, e, dssim, expected, far]);
  });

  it('has gradients that match finite differences', async () => {
    const a = randomTensor([1, 4, 5, 2], 6) as tf.Tensor4D;
    const b = randomTensor([1, 4, 5, 2], 7);
    const f = (x: tf.Tensor) => tf.sum(photometricError(a, x as tf.Tensor4D)) as tf.Scalar;
    const g = tf.grad(f)(b);
    expect(relError(await g.data(), await numericGrad(f, b, 1e-3))).toBeLessThan(1e-2);
    tf.dispose([a, b, g]);
  });

  it('masked mean divides by the mask count, not the pixel count, and gives no gradient to the mask', async () => {
    const err = tf.tensor4d([1, 2, 3, 4], [1, 1, 4, 1]);
    const mask = tf.tensor4d([1, 0, 1, 0], [1, 1, 4, 1]);
    expect((await maskedMean(err, mask).data())[0]).toBeCloseTo(2, 5);
    const none = tf.zeros([1, 1, 4, 1]) as tf.Tensor4D;
    expect((await maskedMean(err, none).data())[0]).toBe(0);
    const gMask = tf.grad((m: tf.Tensor) => maskedMean(err, m as tf.Tensor4D))(mask);
    expect(Array.from(await gMask.data())).toEqual([0, 0, 0, 0]);
    tf.dispose([err, mask, none, gMask]);
  });
});
