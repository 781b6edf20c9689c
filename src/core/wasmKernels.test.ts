import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fastWasmKernelsActive, registerFastWasmKernels } from './wasmKernels';

beforeAll(async () => {
  registerFastWasmKernels();
  await tf.setBackend('wasm');
});
afterAll(async () => {
  await tf.setBackend('cpu');
});

/** Values as plain numbers, computed on the cpu backend (the stock kernels). */
async function onCpu(f: () => tf.Tensor | tf.Tensor[]): Promise<number[][]> {
  await tf.setBackend('cpu');
  const out = [f()].flat();
  const vals = await Promise.all(out.map(async (t) => Array.from(await t.data())));
  tf.dispose(out);
  await tf.setBackend('wasm');
  return vals;
}

describe('fast wasm Slice and SplitV', () => {
  const x = () => tf.tensor(Array.from({ length: 2 * 5 * 7 * 3 }, (_, i) => i * 0.5 - 3), [2, 5, 7, 3]);
  const slices: [number[], number[]][] = [
    [[0, 1, 0, 0], [-1, 4, -1, -1]],
    [[0, 0, 2, 0], [-1, -1, 5, -1]],
    [[1, 0, 0, 0], [1, -1, -1, -1]],
    [[0, 1, 1, 0], [2, 3, 5, 3]],
    [[1, 2, 3, 1], [1, 1, 2, 2]],
    [[0, 0, 0, 2], [-1, -1, -1, 1]],
    [[0, 0, 0, 0], [-1, -1, -1, -1]],
    [[0, 0, 7, 0], [-1, -1, 0, -1]],
  ];

  it('is the registered wasm kernel', () => {
    expect(fastWasmKernelsActive()).toBe(true);
  });

  it('gives the values of the stock kernels for every kind of slice and split', async () => {
    for (const [b, s] of slices) {
      const [want] = await onCpu(() => x().slice(b, s));
      const t = x();
      const got = t.slice(b, s);
      expect(Array.from(await got.data())).toEqual(want);
      tf.dispose([t, got]);
    }
    for (const [axis, sizes] of [[1, [2, 3]], [2, [1, 5, 1]], [3, [1, 2]], [0, [1, 1]]] as [number, number[]][]) {
      const want = await onCpu(() => tf.split(x(), sizes, axis));
      const t = x();
      const got = tf.split(t, sizes, axis);
      expect(await Promise.all(got.map(async (g) => Array.from(await g.data())))).toEqual(want);
      tf.dispose([t, ...got]);
    }
  });

  it('Identity (clone) shares the data safely: disposing either side keeps the other', async () => {
    const before = tf.memory();
    const a = tf.tensor1d([1, 2, 3]);
    const b = a.clone();
    a.dispose();
    expect(Array.from(await b.data())).toEqual([1, 2, 3]);
    const c = b.clone();
    b.dispose();
    expect(Array.from(await c.data())).toEqual([1, 2, 3]);
    c.dispose();
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numBytes).toBe(before.numBytes);
  });

  it('works on int32 and 1-D / 2-D tensors and does not leak', async () => {
    const before = tf.memory().numTensors;
    const a = tf.tensor1d([1, 2, 3, 4, 5], 'int32');
    const s = a.slice([1], [3]);
    expect(Array.from(await s.data())).toEqual([2, 3, 4]);
    const m = tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
    const c = m.slice([0, 1], [2, 2]);
    expect(Array.from(await c.data())).toEqual([2, 3, 5, 6]);
    tf.dispose([a, s, m, c]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
