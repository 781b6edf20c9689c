import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { detach, stopGradient, withoutGradient } from './stopGradient';

afterAll(async () => {
  await tf.setBackend('cpu');
});

describe.each(['cpu', 'wasm'])('gradient stops on %s', (backend) => {
  it('stopGradient and withoutGradient give a zero gradient', async () => {
    await tf.setBackend(backend);
    const x = tf.tensor1d([1, -2, 3]);
    const g1 = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(stopGradient(v), v)))(x);
    expect(Array.from(await g1.data())).toEqual([1, -2, 3]);
    const g2 = tf.grad((v: tf.Tensor) => tf.sum(withoutGradient((u) => tf.square(u), v)))(x);
    expect(Array.from(await g2.data())).toEqual([0, 0, 0]);
    tf.dispose([x, g1, g2]);
  });

  it('detach: the same values, off the tape, and its own reference to the data', async () => {
    await tf.setBackend(backend);
    const x = tf.tensor1d([1, -2, 3]);
    // a function of the detached tensor alone is not a function of x (tfjs then throws, and keeps its result)
    expect(() => tf.grad((v: tf.Tensor) => tf.sum(detach(v)))(x)).toThrow();
    const before = tf.memory().numTensors;
    // d/dx sum(detach(x)^2 + 5 x) = 5: the detached use adds nothing
    const g = tf.grad((v: tf.Tensor) => tf.add(tf.sum(tf.square(detach(v))), tf.sum(tf.mul(v, 5))))(x);
    expect(Array.from(await g.data())).toEqual([5, 5, 5]);
    g.dispose();
    // disposing the detached tensor leaves the original's data alive, and leaks nothing
    const d = detach(x);
    expect(Array.from(await d.data())).toEqual([1, -2, 3]);
    d.dispose();
    expect(Array.from(await x.data())).toEqual([1, -2, 3]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    const y = tf.tensor1d([4, 5]);
    const e = detach(y);
    y.dispose();
    expect(Array.from(await e.data())).toEqual([4, 5]); // the other way round too
    e.dispose();
  });
});
