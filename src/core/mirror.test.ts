import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { randomTensor } from '../testing/gradcheck';
import { flipH, rightDisparities } from './mirror';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('right-view disparity by mirroring', () => {
  it('swaps the views, flips them, and flips every output back', async () => {
    const leftImg = randomTensor([1, 3, 6, 3], 1) as tf.Tensor4D;
    const rightImg = randomTensor([1, 3, 6, 3], 2) as tf.Tensor4D;
    // A "network" whose answer is its first input's red channel (so we can see what it was fed),
    // at two scales.
    const seen = (l: tf.Tensor4D) => l.slice([0, 0, 0, 0], [-1, -1, -1, 1]) as tf.Tensor4D;
    const out = rightDisparities((l) => [seen(l), tf.mul(seen(l), 2) as tf.Tensor4D], leftImg, rightImg);
    expect(out).toHaveLength(2);
    expect(Array.from(await out[0].data())).toEqual(Array.from(await seen(rightImg).data()));
    expect(Array.from(await out[1].data())).toEqual(Array.from(await tf.mul(seen(rightImg), 2).data()));
    tf.dispose([leftImg, rightImg, ...out]);
  });

  it('flipH reverses columns', async () => {
    const x = tf.tensor4d([1, 2, 3, 4, 5, 6], [1, 2, 3, 1]);
    expect(Array.from(await flipH(x).data())).toEqual([3, 2, 1, 6, 5, 4]);
    x.dispose();
  });
});
