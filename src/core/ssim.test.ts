import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { registerFastWasmKernels } from '../backends/wasm/copyKernels';
import { box3 } from './ssim';

registerFastWasmKernels();

afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('box3', () => {
  for (const backend of ['cpu', 'wasm']) {
    it(`is avgPool 3x3 valid, with the gradient of tfjs avgPool (${backend})`, async () => {
      await tf.setBackend(backend);
      const x = tf.randomNormal([2, 6, 7, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
      const R = tf.randomNormal([2, 4, 5, 3], 0, 1, 'float32', 6);
      const a = box3(x);
      const b = tf.avgPool(x, 3, 1, 'valid');
      expect(Math.max(...(await tf.abs(tf.sub(a, b)).data()))).toBeLessThan(1e-6);
      const ga = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(box3(t as tf.Tensor4D), R)))(x);
      const gb = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.avgPool(t as tf.Tensor4D, 3, 1, 'valid'), R)))(x);
      expect(Math.max(...(await tf.abs(tf.sub(ga, gb)).data()))).toBeLessThan(1e-6);
      tf.dispose([x, R, a, b, ga, gb]);
    });
  }
});
