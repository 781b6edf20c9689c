// The wasm loops for the correlation and the warp against the stock-op versions (the reference):
// values and every gradient on random inputs, on the wasm backend, and no leaked tensors.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceleratedOps, setAccelerated } from '../../core/accelerated';
import { correlation1d } from '../../core/correlation';
import type { DispT } from '../../core/types';
import { warpH } from '../../core/warp';
import { registerWasmOps } from './index';

registerWasmOps();

beforeAll(async () => {
  await tf.setBackend('wasm');
});
afterAll(async () => {
  setAccelerated(true);
  await tf.setBackend('cpu');
});

/** Value and gradients of sum(w * f(inputs)) (w random, so every output element matters), with the wasm loops on or off. */
function valueAndGrads(on: boolean, f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[]): number[][] {
  const old = setAccelerated(on);
  try {
    return tf.tidy(() => {
      const out = f(...inputs);
      const w = tf.randomUniform(out.shape, -1, 1, 'float32', 9);
      const grads = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(f(...xs), w)))(inputs);
      return [out, ...grads].map((t) => Array.from(t.dataSync()));
    });
  } finally {
    setAccelerated(old);
  }
}

function expectClose(got: number[][], want: number[][]): void {
  expect(got.length).toBe(want.length);
  got.forEach((g, k) => {
    expect(g.length).toBe(want[k].length);
    const scale = Math.max(1e-6, ...want[k].map(Math.abs));
    const worst = g.reduce((m, v, i) => Math.max(m, Math.abs(v - want[k][i])), 0);
    expect(worst / scale, `output ${k}: worst difference ${worst} at scale ${scale}`).toBeLessThan(1e-5);
    expect(want[k].some((v) => v !== 0)).toBe(true); // not trivially equal
  });
}

describe('wasm correlation and warp loops', () => {
  it('are the ones the wasm backend uses', () => {
    expect(acceleratedOps('wasm')?.correlation1d).toBeDefined();
    expect(acceleratedOps('wasm')?.warpH).toBeDefined();
    expect(acceleratedOps('cpu')).toBeUndefined();
  });

  it('correlation: the stock op\'s values and both gradients, for ranges around 0, one-sided and negative', () => {
    const l = tf.randomNormal([2, 3, 11, 5], 0, 1, 'float32', 1);
    const r = tf.randomNormal([2, 3, 11, 5], 0, 1, 'float32', 2);
    for (const [minK, maxK] of [[-3, 3], [0, 6], [-4, -1], [2, 2]]) {
      const f = (a: tf.Tensor, b: tf.Tensor) => correlation1d(a as tf.Tensor4D, b as tf.Tensor4D, minK, maxK);
      expectClose(valueAndGrads(true, f, [l, r]), valueAndGrads(false, f, [l, r]));
    }
    tf.dispose([l, r]);
  });

  it('warp: the stock op\'s values and gradients, with and without the image gradient, samples clamped at both borders', () => {
    const img = tf.randomNormal([2, 4, 13, 3], 0, 1, 'float32', 3);
    // disparities from -4 to 16 px on a 13 px row: many samples fall outside on either side
    const d = tf.randomUniform([2, 4, 13, 1], -4, 16, 'float32', 4) as DispT;
    for (const sign of [-1, 1] as const) {
      const dispOnly = (x: tf.Tensor) => warpH(img as tf.Tensor4D, x as DispT, sign);
      expectClose(valueAndGrads(true, dispOnly, [d]), valueAndGrads(false, dispOnly, [d]));
      const both = (im: tf.Tensor, x: tf.Tensor) => warpH(im as tf.Tensor4D, x as DispT, sign, { imageGrad: true });
      expectClose(valueAndGrads(true, both, [img, d]), valueAndGrads(false, both, [img, d]));
    }
    tf.dispose([img, d]);
  });

  it('leak no tensors over repeated forward and backward passes', () => {
    const l = tf.randomNormal([1, 2, 9, 4], 0, 1, 'float32', 5) as tf.Tensor4D;
    const d = tf.randomUniform([1, 2, 9, 1], 0, 3, 'float32', 6) as DispT;
    const once = () => tf.tidy(() => tf.grads((a: tf.Tensor, x: tf.Tensor) => tf.sum(correlation1d(a as tf.Tensor4D, warpH(a as tf.Tensor4D, x as DispT, -1, { imageGrad: true }), -2, 2)))([l, d]));
    tf.dispose(once());
    const n = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) tf.dispose(once());
    expect(tf.memory().numTensors).toBe(n);
    tf.dispose([l, d]);
  });
});
