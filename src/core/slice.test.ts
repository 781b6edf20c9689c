import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { randomTensor, relError } from '../testing/gradcheck';
import { fastSlice } from './slice';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('fastSlice', () => {
  it('gives the values and gradient of tf.slice for every kind of slice', async () => {
    const x = randomTensor([2, 5, 7, 3], 1, -1, 1);
    const cases: [number[], number[]][] = [
      [[0, 1, 0, 0], [-1, 4, -1, -1]], // along H only
      [[0, 0, 2, 0], [-1, -1, 5, -1]], // along W only
      [[1, 0, 0, 0], [1, -1, -1, -1]], // one batch item
      [[0, 1, 1, 0], [2, 3, 5, 3]], // H and W
      [[0, 0, 0, 1], [-1, -1, -1, 2]], // channels
      [[0, 0, 0, 0], [-1, -1, -1, -1]], // everything
    ];
    const R = randomTensor([2, 5, 7, 3], 2, -1, 1);
    for (const [begin, size] of cases) {
      const a = fastSlice(x, begin, size);
      const b = x.slice(begin, size);
      expect(a.shape).toEqual(b.shape);
      expect(relError(await a.data(), await b.data())).toBe(0);
      const w = R.slice([0, 0, 0, 0], b.shape);
      const ga = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(fastSlice(t, begin, size), w)))(x);
      const gb = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(t.slice(begin, size), w)))(x);
      expect(relError(await ga.data(), await gb.data())).toBe(0);
      tf.dispose([a, b, w, ga, gb]);
    }
    tf.dispose([x, R]);
  });
});
