import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { numericGrad, randomTensor, relError } from '../testing/gradcheck';
import { censusError } from './census';
import { photometricError } from './photometric';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Census distance at one pixel with replicated borders, in plain loops (the formula of census.ts). */
function refCensus(a: Float32Array, b: Float32Array, H: number, W: number, C: number, y: number, x: number): number {
  const grey = (t: Float32Array, yy: number, xx: number) => {
    const i = (Math.min(H - 1, Math.max(0, yy)) * W + Math.min(W - 1, Math.max(0, xx))) * C;
    let s = 0;
    for (let c = 0; c < C; c++) s += t[i + c];
    return (255 * s) / C;
  };
  const tern = (t: Float32Array, dy: number, dx: number) => {
    const d = grey(t, y + dy, x + dx) - grey(t, y, x);
    return d / Math.sqrt(0.81 + d * d);
  };
  let sum = 0;
  for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) {
    if (dy === 0 && dx === 0) continue;
    const q = tern(a, dy, dx) - tern(b, dy, dx);
    sum += (q * q) / (0.1 + q * q);
  }
  return sum / 8;
}

describe('census error', () => {
  it('matches a plain-loop reference at every pixel, borders included', async () => {
    const [H, W, C] = [5, 6, 3];
    const a = randomTensor([1, H, W, C], 11) as tf.Tensor4D;
    const b = randomTensor([1, H, W, C], 12) as tf.Tensor4D;
    const e = censusError(a, b);
    expect(e.shape).toEqual([1, H, W, 1]);
    const av = (await a.data()) as Float32Array;
    const bv = (await b.data()) as Float32Array;
    const ref = Float32Array.from({ length: H * W }, (_, i) => refCensus(av, bv, H, W, C, Math.floor(i / W), i % W));
    expect(relError(await e.data(), ref)).toBeLessThan(1e-4);
    tf.dispose([a, b, e]);
  });

  it('is zero for identical images and stays near zero under a change of gain and offset, where the SSIM + L1 error does not', async () => {
    const a = randomTensor([2, 8, 10, 3], 13) as tf.Tensor4D;
    const same = censusError(a, a);
    expect((await tf.max(same).data())[0]).toBeLessThan(1e-6);
    const dimmer = tf.tidy(() => tf.add(tf.mul(a, 0.6), 0.05)) as tf.Tensor4D; // the other camera's exposure
    const census = (await tf.mean(censusError(a, dimmer)).data())[0];
    const rho = (await tf.mean(photometricError(a, dimmer)).data())[0];
    const other = randomTensor([2, 8, 10, 3], 14) as tf.Tensor4D;
    const wrong = (await tf.mean(censusError(a, other)).data())[0];
    expect(census).toBeLessThan(0.01);
    expect(wrong).toBeGreaterThan(0.3); // a different image is far
    expect(rho).toBeGreaterThan(0.05); // the exposure change alone costs the SSIM + L1 error this much
    tf.dispose([a, same, dimmer, other]);
  });

  it('has gradients that match finite differences, and none for the reference image unless asked', async () => {
    // low contrast (a few grey levels between neighbours), where the soft transform is not saturated
    const a = randomTensor([1, 4, 5, 2], 15, 0.5, 0.53) as tf.Tensor4D;
    const b = randomTensor([1, 4, 5, 2], 16, 0.5, 0.53);
    const f = (x: tf.Tensor) => tf.sum(censusError(a, x as tf.Tensor4D)) as tf.Scalar;
    const g = tf.grad(f)(b);
    expect(relError(await g.data(), await numericGrad(f, b, 2e-4))).toBeLessThan(2e-2);
    const gA = tf.grad((x: tf.Tensor) => tf.sum(censusError(x as tf.Tensor4D, b as tf.Tensor4D)))(a);
    expect((await tf.max(tf.abs(gA)).data())[0]).toBe(0);
    const fA = (x: tf.Tensor) => tf.sum(censusError(x as tf.Tensor4D, b as tf.Tensor4D, { gradA: true })) as tf.Scalar;
    const gA2 = tf.grad(fA)(a);
    expect(relError(await gA2.data(), await numericGrad(fA, a, 2e-4))).toBeLessThan(2e-2);
    tf.dispose([a, b, g, gA, gA2]);
  });
});
