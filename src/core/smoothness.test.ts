import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { numericGrad, randomTensor, relError } from '../testing/gradcheck';
import { smoothness, smoothnessWeight } from './smoothness';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('edge-aware smoothness', () => {
  it('is zero for a constant disparity and invariant to the disparity scale', async () => {
    const img = randomTensor([1, 4, 6, 3], 1) as tf.Tensor4D;
    const flat = tf.fill([1, 4, 6, 1], 7) as tf.Tensor4D;
    expect((await smoothness(flat, img).data())[0]).toBe(0);
    const d = randomTensor([1, 4, 6, 1], 2, 1, 5) as tf.Tensor4D;
    const a = (await smoothness(d, img).data())[0];
    const b = (await smoothness(tf.mul(d, 10) as tf.Tensor4D, img).data())[0];
    expect(b).toBeCloseTo(a, 5);
    tf.dispose([img, flat, d]);
  });

  it('matches a hand computation and is damped by image edges', async () => {
    // 1 row, 3 columns, disparity [1, 2, 3] (mean 2 -> normalised [0.5, 1, 1.5]), flat grey image:
    // x term: mean(|0.5|, |0.5|) * exp(0) = 0.5; no y term rows -> mean over empty is NaN, so use 2 rows.
    const d = tf.tensor4d([1, 2, 3, 1, 2, 3], [1, 2, 3, 1]);
    const grey = tf.fill([1, 2, 3, 3], 0.5) as tf.Tensor4D;
    expect((await smoothness(d, grey).data())[0]).toBeCloseTo(0.5, 6);
    // an image edge between columns 1 and 2 of strength 1 damps that term by e^-1
    const edge = tf.tensor4d([0, 0, 1, 0, 0, 1].flatMap((v) => [v, v, v]), [1, 2, 3, 3]);
    expect((await smoothness(d, edge).data())[0]).toBeCloseTo((0.5 + 0.5 * Math.exp(-1)) / 2, 6);
    expect(smoothnessWeight(0)).toBe(1e-3);
    expect(smoothnessWeight(2)).toBe(2.5e-4);
    tf.dispose([d, grey, edge]);
  });

  it('has a gradient that matches finite differences', async () => {
    const img = randomTensor([1, 4, 5, 3], 3) as tf.Tensor4D;
    const d = randomTensor([1, 4, 5, 1], 4, 1, 4);
    const f = (x: tf.Tensor) => smoothness(x as tf.Tensor4D, img);
    const g = tf.grad(f)(d);
    expect(relError(await g.data(), await numericGrad(f, d, 1e-3))).toBeLessThan(1e-2);
    tf.dispose([img, d, g]);
  });
});
