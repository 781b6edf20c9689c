import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Adam } from './adam';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('Adam', () => {
  it('updates weights and moments as tf.train.adam does, over steps with a changing learning rate and a variable left out', async () => {
    const shapes = [[3, 3, 2, 4], [4], [5, 7]];
    const make = (seed: number) => shapes.map((s, i) => tf.variable(tf.randomNormal(s, 0, 1, 'float32', seed + i)));
    const ours = make(1);
    const ref = make(1);
    const adam = new Adam(1e-2);
    const stock = tf.train.adam(1e-2);
    for (let step = 0; step < 6; step++) {
      const lr = 1e-2 * (1 - step / 10);
      adam.learningRate = lr;
      (stock as unknown as { learningRate: number }).learningRate = lr;
      // the last variable gets no gradient at step 2 (it must then keep its value and moments)
      const idx = step === 2 ? [0, 1] : [0, 1, 2];
      const grads = idx.map((i) => tf.randomNormal(shapes[i], 0, 1 + step, 'float32', 100 + 10 * step + i));
      adam.applyGradients(Object.fromEntries(idx.map((i, j) => [ours[i].name, grads[j]])));
      stock.applyGradients(Object.fromEntries(idx.map((i, j) => [ref[i].name, grads[j]])) as unknown as Parameters<typeof stock.applyGradients>[0]);
      tf.dispose(grads);
    }
    for (let i = 0; i < shapes.length; i++) {
      const a = await ours[i].data();
      const b = await ref[i].data();
      const start = await tf.randomNormal(shapes[i], 0, 1, 'float32', 1 + i).data();
      let maxDiff = 0;
      let moved = 0;
      for (let j = 0; j < a.length; j++) {
        maxDiff = Math.max(maxDiff, Math.abs(a[j] - b[j]));
        moved = Math.max(moved, Math.abs(a[j] - start[j]));
      }
      expect(maxDiff, `variable ${i}`).toBeLessThan(1e-6);
      expect(moved, `variable ${i} was updated`).toBeGreaterThan(1e-2);
    }
    // a further step leaves no tensor behind (the moments exist once per variable)
    const g = shapes.map((s) => tf.ones(s));
    const before = tf.memory().numTensors;
    adam.applyGradients(Object.fromEntries(ours.map((v, i) => [v.name, g[i]])));
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(g);
    adam.dispose();
    stock.dispose();
    tf.dispose([...ours, ...ref]);
  });

  it('says which variable is missing', () => {
    const adam = new Adam(1e-3);
    const g = tf.ones([2]);
    expect(() => adam.applyGradients({ 'no-such-variable': g })).toThrow(/no variable named "no-such-variable"/);
    g.dispose();
  });
});
