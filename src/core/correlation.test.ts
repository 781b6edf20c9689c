import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { numericGrad, randomTensor, relError } from '../testing/gradcheck';
import { correlation1d, correlation1dStock } from './correlation';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Plain-loop reference: cost[b,y,x,i] = mean_c fL[x] * fR[x - k_i], zero outside. */
function reference(fL: Float32Array, fR: Float32Array, [B, H, W, C]: number[], minK: number, maxK: number): Float32Array {
  const K = maxK - minK + 1;
  const out = new Float32Array(B * H * W * K);
  for (let b = 0; b < B; b++) for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let i = 0; i < K; i++) {
    const xr = x - (minK + i);
    let s = 0;
    if (xr >= 0 && xr < W) for (let c = 0; c < C; c++) s += fL[((b * H + y) * W + x) * C + c] * fR[((b * H + y) * W + xr) * C + c];
    out[((b * H + y) * W + x) * K + i] = s / C;
  }
  return out;
}

describe('correlation1d', () => {
  it('matches a plain-loop reference for symmetric and one-sided ranges', async () => {
    const shape = [2, 3, 9, 4];
    const fL = randomTensor(shape, 1, -1, 1) as tf.Tensor4D;
    const fR = randomTensor(shape, 2, -1, 1) as tf.Tensor4D;
    for (const [minK, maxK] of [[-3, 3], [0, 5], [2, 2]]) {
      const c = correlation1d(fL, fR, minK, maxK);
      expect(c.shape).toEqual([2, 3, 9, maxK - minK + 1]);
      const ref = reference(await fL.data() as Float32Array, await fR.data() as Float32Array, shape, minK, maxK);
      expect(relError(await c.data(), ref)).toBeLessThan(1e-5);
      c.dispose();
    }
    tf.dispose([fL, fR]);
  });

  it('peaks at the true disparity of a shifted feature map', async () => {
    const fR = randomTensor([1, 2, 20, 64], 3, -1, 1) as tf.Tensor4D;
    // left pixel x sees right pixel x - 3
    const fL = tf.tidy(() => tf.pad(fR, [[0, 0], [0, 0], [3, 0], [0, 0]]).slice([0, 0, 0, 0], [-1, -1, 20, -1])) as tf.Tensor4D;
    const c = correlation1d(fL, fR, -4, 4);
    const arg = tf.argMax(c.slice([0, 0, 4, 0], [-1, -1, 12, -1]), 3);
    const ks = Array.from(await arg.data()).map((i) => i - 4);
    expect(new Set(ks)).toEqual(new Set([3]));
    tf.dispose([fL, fR, c, arg]);
  });

  it('has autodiff gradients for both inputs that match finite differences', async () => {
    const shape = [1, 2, 7, 3];
    const fL = randomTensor(shape, 4, -1, 1);
    const fR = randomTensor(shape, 5, -1, 1);
    const R = randomTensor([1, 2, 7, 5], 6, -1, 1);
    const f = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(correlation1d(a as tf.Tensor4D, b as tf.Tensor4D, -2, 2), R)) as tf.Scalar;
    const [gL, gR] = tf.grads(f)([fL, fR]);
    expect(relError(await gL.data(), await numericGrad((a) => f(a, fR), fL, 1e-2))).toBeLessThan(1e-2);
    expect(relError(await gR.data(), await numericGrad((b) => f(fL, b), fR, 1e-2))).toBeLessThan(1e-2);
    tf.dispose([fL, fR, R, gL, gR]);
  });

  it('gives the values and gradients of the stock-op version on random inputs', async () => {
    const shape = [2, 3, 11, 5];
    const fL = randomTensor(shape, 7, -1, 1) as tf.Tensor4D;
    const fR = randomTensor(shape, 8, -1, 1) as tf.Tensor4D;
    for (const [minK, maxK] of [[-3, 3], [0, 6], [1, 4], [-2, -1]]) {
      const R = randomTensor([2, 3, 11, maxK - minK + 1], 9, -1, 1);
      const loss = (f: typeof correlation1d) => (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(a as tf.Tensor4D, b as tf.Tensor4D, minK, maxK), R)) as tf.Scalar;
      const [a, b] = [correlation1d(fL, fR, minK, maxK), correlation1dStock(fL, fR, minK, maxK)];
      expect(relError(await a.data(), await b.data())).toBeLessThan(1e-5);
      const g1 = tf.grads(loss(correlation1d))([fL, fR]);
      const g2 = tf.grads(loss(correlation1dStock))([fL, fR]);
      for (let i = 0; i < 2; i++) expect(relError(await g1[i].data(), await g2[i].data())).toBeLessThan(1e-5);
      tf.dispose([R, a, b, ...g1, ...g2]);
    }
    tf.dispose([fL, fR]);
  });

  it('leaves no tensors behind after a gradient', () => {
    const fL = tf.randomNormal([1, 2, 8, 3]) as tf.Tensor4D;
    const fR = tf.randomNormal([1, 2, 8, 3]) as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(correlation1d(a as tf.Tensor4D, b as tf.Tensor4D, -2, 3)))([fL, fR]);
    tf.dispose(g);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([fL, fR]);
  });

  it('rejects mismatched shapes and bad ranges with the op name', () => {
    const a = tf.zeros([1, 2, 8, 3]) as tf.Tensor4D;
    const b = tf.zeros([1, 2, 8, 4]) as tf.Tensor4D;
    expect(() => correlation1d(a, b, -1, 1)).toThrow(/correlation1d/);
    expect(() => correlation1d(a, a, 2, 1)).toThrow(/correlation1d.*maxK >= minK/);
    tf.dispose([a, b]);
  });
});
