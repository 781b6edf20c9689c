import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fastWasmKernelsActive, registerFastWasmKernels } from './copyKernels';

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

describe('fast wasm PadV2, Reverse and Concat', () => {
  const x = (shape: number[], k = 0.5) => tf.tensor(Array.from({ length: shape.reduce((a, v) => a * v, 1) }, (_, i) => i * k - 3), shape);

  it('give the values of the stock kernels', async () => {
    const pads: [number[], [number, number][], number][] = [
      [[2, 5, 7, 3], [[0, 0], [1, 1], [1, 1], [0, 0]], 0], // a conv's 'same' padding
      [[2, 5, 1, 3], [[0, 0], [0, 0], [0, 40], [0, 0]], 0], // one column to a long row
      [[2, 5, 7, 3], [[1, 0], [0, 2], [3, 0], [0, 1]], -1.5], // every axis, a constant
      [[2, 5, 7, 3], [[0, 0], [0, 0], [0, 0], [0, 0]], 0],
      [[4, 33], [[0, 0], [2, 5]], 7], // runs long enough for the block copy
      [[6], [[3, 2]], 0],
    ];
    for (const [shape, p, c] of pads) {
      const [want] = await onCpu(() => tf.pad(x(shape), p, c));
      const t = x(shape);
      const got = tf.pad(t, p, c);
      expect(got.shape).toEqual(shape.map((d, i) => d + p[i][0] + p[i][1]));
      expect(Array.from(await got.data())).toEqual(want);
      tf.dispose([t, got]);
    }
    const revs: [number[], number[]][] = [[[2, 5, 7, 3], [2]], [[2, 5, 7, 3], [1, 2]], [[2, 5, 7, 3], [0]], [[2, 5, 7, 3], [3]], [[3, 3, 4, 6], [0, 1]], [[2, 1, 40], [1]], [[2, 3, 40], [1]], [[9], [0]]];
    for (const [shape, axes] of revs) {
      const [want] = await onCpu(() => tf.reverse(x(shape), axes));
      const t = x(shape);
      const got = tf.reverse(t, axes);
      expect(Array.from(await got.data())).toEqual(want);
      tf.dispose([t, got]);
    }
    const cats: [number[][], number][] = [
      [[[2, 5, 7, 3], [2, 5, 7, 1], [2, 5, 7, 4]], 3], // the decoders' channel concat
      [[[2, 5, 7, 3], [1, 5, 7, 3]], 0],
      [[[2, 5, 7, 3], [2, 2, 7, 3]], 1],
      [[[2, 40], [2, 3]], 1],
      [[[3], [4]], 0],
    ];
    for (const [shapes, axis] of cats) {
      const [want] = await onCpu(() => tf.concat(shapes.map((sh, i) => x(sh, 0.5 + i)), axis));
      const ts = shapes.map((sh, i) => x(sh, 0.5 + i));
      const got = tf.concat(ts, axis);
      expect(Array.from(await got.data())).toEqual(want);
      tf.dispose([...ts, got]);
    }
  });

  it('keep the stock gradients (a pad, reverse and concat chain checked against the cpu backend)', async () => {
    const f = (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.concat([tf.reverse(tf.pad(a, [[0, 0], [1, 2], [0, 0]]), [1]), b], 2), tf.range(0, 5 * 3).reshape([1, 5, 3]).tile([2, 1, 1])));
    const g = () => tf.grads(f)([x([2, 2, 2]), x([2, 5, 1], 0.25)]);
    const want = await onCpu(g);
    const got = g();
    expect(await Promise.all(got.map(async (t) => Array.from(await t.data())))).toEqual(want);
    tf.dispose(got);
  });

  it('leave int32 tensors to the stock kernels and do not leak', async () => {
    const before = tf.memory().numTensors;
    const a = tf.tensor2d([[1, 2], [3, 4]], [2, 2], 'int32');
    const p = tf.pad(a, [[1, 0], [0, 1]]);
    const r = tf.reverse(a, [1]);
    const c = tf.concat([a, a], 0);
    expect(Array.from(await p.data())).toEqual([0, 0, 0, 1, 2, 0, 3, 4, 0]);
    expect(Array.from(await r.data())).toEqual([2, 1, 4, 3]);
    expect(Array.from(await c.data())).toEqual([1, 2, 3, 4, 1, 2, 3, 4]);
    tf.dispose([a, p, r, c]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
