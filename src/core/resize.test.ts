import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { numericGrad, randomTensor, relError } from '../testing/gradcheck';
import { resizeDisparity, upsampleBilinear2x, upsampleDisparity, upsampleNearest2x } from './resize';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('upsampling', () => {
  it('bilinear 2x matches tf.image.resizeBilinear with half-pixel centres', async () => {
    const x = randomTensor([2, 3, 5, 1], 1) as tf.Tensor4D;
    const ours = upsampleBilinear2x(x);
    const ref = tf.image.resizeBilinear(x, [6, 10], false, true);
    expect(ours.shape).toEqual([2, 6, 10, 1]);
    expect(relError(await ours.data(), await ref.data())).toBeLessThan(1e-5);
    tf.dispose([x, ours, ref]);
  });

  it('nearest 2x matches tf.image.resizeNearestNeighbor', async () => {
    const x = randomTensor([2, 3, 4, 3], 2) as tf.Tensor4D;
    const ours = upsampleNearest2x(x);
    const ref = tf.image.resizeNearestNeighbor(x, [6, 8], false, true);
    expect(Array.from(await ours.data())).toEqual(Array.from(await ref.data()));
    tf.dispose([x, ours, ref]);
  });

  it('both have gradients that match finite differences (batch 2, H != W)', async () => {
    const x = randomTensor([2, 3, 4, 1], 3);
    const R = randomTensor([2, 6, 8, 1], 4, -1, 1);
    for (const up of [upsampleBilinear2x, upsampleNearest2x]) {
      const f = (t: tf.Tensor) => tf.sum(tf.mul(up(t as tf.Tensor4D), R)) as tf.Scalar;
      const g = tf.grad(f)(x);
      expect(relError(await g.data(), await numericGrad(f, x, 1e-2))).toBeLessThan(1e-2);
      g.dispose();
    }
    tf.dispose([x, R]);
  });

  it('disparity upsampling multiplies by the width ratio', async () => {
    const d = tf.fill([1, 2, 3, 1], 1.5) as tf.Tensor4D;
    const up = upsampleDisparity(d, 2);
    expect(up.shape).toEqual([1, 8, 12, 1]);
    expect(new Set(Array.from(await up.data()))).toEqual(new Set([6]));
    const r = resizeDisparity(d, 5, 9);
    expect(r.shape).toEqual([1, 5, 9, 1]);
    expect((await r.data())[0]).toBeCloseTo(4.5, 5);
    tf.dispose([d, up, r]);
  });
});
