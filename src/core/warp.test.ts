import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { numericGrad, randomTensor, relError } from '../testing/gradcheck';
import { layeredScene } from '../testing/scenes';
import { outOfView, warpH } from './warp';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('warpH', () => {
  it('interpolates linearly along x and clamps at the border', async () => {
    const img = tf.tensor4d([0, 10, 20, 30, 40], [1, 1, 5, 1]);
    const d = tf.tensor4d([0.5, 1.5, 0, 1.25, -2], [1, 1, 5, 1]);
    const out = warpH(img, d, -1);
    // sample points x - d: -0.5 (clamped to 0), -0.5 (clamped), 2, 1.75, 6 (clamped to 4)
    expect(Array.from(await out.data())).toEqual([0, 0, 20, 17.5, 40]);
    const oov = outOfView(d, -1);
    expect(Array.from(await oov.data())).toEqual([1, 1, 0, 0, 1]);
    tf.dispose([img, d, out, oov]);
  });

  it('warping the right image by the true disparity reproduces the left image on visible pixels', async () => {
    const s = layeredScene({ H: 8, W: 48, bg: 2, fg: 6, x0: 20, x1: 36 });
    const warped = warpH(s.rightImg, s.dL, -1);
    const err = tf.mul(tf.abs(tf.sub(warped, s.leftImg)), s.visible);
    expect((await tf.max(err).data())[0]).toBeLessThan(1e-6);
    // and it is not trivially true: the unwarped right image differs on visible pixels
    // (by ~0.05 on average with the smooth multi-octave texture, against < 1e-6 after the warp)
    const raw = tf.mean(tf.mul(tf.abs(tf.sub(s.rightImg, s.leftImg)), s.visible));
    expect((await raw.data())[0]).toBeGreaterThan(0.02);
    // the occluded band really differs (what the mask is for)
    const occ = tf.sum(tf.mul(tf.abs(tf.sub(warped, s.leftImg)), tf.sub(1, s.visible)));
    expect((await occ.data())[0]).toBeGreaterThan(1);
    tf.dispose([warped, err, raw, occ, ...Object.values(s)]);
  });

  it('has a hand-written disparity gradient that matches finite differences', async () => {
    const [B, H, W, C] = [2, 3, 12, 3];
    const img = randomTensor([B, H, W, C], 1) as tf.Tensor4D;
    // Disparities with fractional parts away from integers (the warp has kinks at integer sample points),
    // some large enough to push samples out of view.
    const base = randomTensor([B, H, W, 1], 2, 0, 5) as tf.Tensor4D;
    const d = tf.tidy(() => tf.add(tf.floor(base), tf.add(0.3, tf.mul(tf.sub(base, tf.floor(base)), 0.4)))) as tf.Tensor4D;
    const R = randomTensor([B, H, W, C], 3, -1, 1);
    for (const sign of [-1, 1] as const) {
      const f = (dd: tf.Tensor) => tf.sum(tf.mul(warpH(img, dd as tf.Tensor4D, sign), R)) as tf.Scalar;
      const analytic = tf.grad(f)(d);
      const numeric = await numericGrad(f, d, 1e-2);
      expect(relError(await analytic.data(), numeric)).toBeLessThan(1e-2);
      analytic.dispose();
    }
    tf.dispose([img, base, d, R]);
  });

  it('optionally back-propagates into the image, matching finite differences', async () => {
    const [B, H, W, C] = [1, 2, 10, 2];
    const img = randomTensor([B, H, W, C], 4) as tf.Tensor4D;
    const d = tf.tidy(() => tf.add(tf.floor(randomTensor([B, H, W, 1], 5, 0, 4)), 0.4)) as tf.Tensor4D;
    const R = randomTensor([B, H, W, C], 6, -1, 1);
    const f = (im: tf.Tensor, dd: tf.Tensor) => tf.sum(tf.mul(warpH(im as tf.Tensor4D, dd as tf.Tensor4D, -1, { imageGrad: true }), R)) as tf.Scalar;
    const [gImg, gD] = tf.grads(f)([img, d]);
    const numImg = await numericGrad((im) => f(im, d), img, 1e-2);
    const numD = await numericGrad((dd) => f(img, dd), d, 1e-2);
    expect(relError(await gImg.data(), numImg)).toBeLessThan(1e-2);
    expect(relError(await gD.data(), numD)).toBeLessThan(1e-2);
    // Without imageGrad the image gets no gradient (it is treated as a constant input).
    const gNone = tf.grad((im: tf.Tensor) => tf.sum(tf.mul(warpH(im as tf.Tensor4D, d, -1), R)) as tf.Scalar);
    expect(() => gNone(img)).toThrow();
    tf.dispose([img, d, R, gImg, gD]);
  });

  it('leaks no tensors in forward and backward', async () => {
    const img = randomTensor([1, 4, 16, 3], 7) as tf.Tensor4D;
    const d = randomTensor([1, 4, 16, 1], 8, 0, 3) as tf.Tensor4D;
    const step = () => {
      const { value, grads } = tf.variableGrads(() => tf.sum(warpH(img, tf.mul(v, 1) as tf.Tensor4D, -1, { imageGrad: true })) as tf.Scalar, [v]);
      tf.dispose([value, ...Object.values(grads)]);
    };
    const v = tf.variable(d);
    step();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) step();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([img, d, v]);
  });

  it('names the op and the shapes when the disparity does not match the image', () => {
    const img = tf.zeros([1, 4, 8, 3]) as tf.Tensor4D;
    const d = tf.zeros([1, 4, 7, 1]) as tf.Tensor4D;
    expect(() => warpH(img, d, -1)).toThrow(/warpH.*\[1, 4, 8, 1\]/);
    tf.dispose([img, d]);
  });
});

describe('outOfView', () => {
  it('can sit inside a loss on trainable disparities (no gradient, no error)', async () => {
    const d = tf.variable(tf.tensor4d([0.5, 3, 1, 0], [1, 1, 4, 1]));
    const g = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(outOfView(x as tf.Tensor4D, -1), x)) as tf.Scalar)(d);
    // d(mask * x)/dx = mask (the mask itself is a constant)
    expect(Array.from(await g.data())).toEqual([1, 1, 0, 0]);
    tf.dispose([d, g]);
  });
});
