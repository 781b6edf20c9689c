// The one conv interface (src/core/conv.ts): src/model/layers.ts asks the active backend's registered kernels for every
// conv layer, forward and backward, and for their multi-input `parts` where they accept the inputs; with none, or with
// the accelerated ops switched off, it runs the stock ops.
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerCpuKernels } from '../backends/cpu';
import { registerConv, setAccelerated } from '../core/accelerated';
import { plainConvKernels, stockConv, type ConvKernels } from '../core/conv';
import { randomTensor, relError } from '../testing/gradcheck';
import { conv, convLayer, Params } from './layers';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
afterAll(() => {
  setAccelerated(true);
  registerCpuKernels();
});

/** Plain kernels that count their calls, with parts kernels that concatenate (and accept per `acceptParts`). */
function countingKernels(acceptParts: boolean) {
  const calls = { forward: 0, backward: 0, partsForward: 0, partsBackward: 0, partsAsked: 0 };
  const plain = plainConvKernels(false);
  const kernels: ConvKernels = {
    forward: (...a) => (calls.forward++, plain.forward(...a)),
    backward: (...a) => (calls.backward++, plain.backward(...a)),
    parts: {
      accepts: () => (calls.partsAsked++, acceptParts),
      forward(xs, w, b, stride, act) {
        calls.partsForward++;
        return plain.forward(tf.concat(xs, 3) as tf.Tensor4D, w, b, stride, act).y;
      },
      backward(dy, { xs, y, w }, stride, act) {
        calls.partsBackward++;
        const x = tf.concat(xs, 3) as tf.Tensor4D;
        const g = plain.backward(dy, { xin: x, y, w }, x.shape, stride, act, true);
        return { dxs: tf.split(g.dx!, xs.map((p) => p.shape[3]), 3) as tf.Tensor4D[], dw: g.dw, db: g.db };
      },
    },
  };
  return { calls, kernels };
}

describe('conv layers run the backend\'s registered kernels', () => {
  it('forward and backward through the kernels, with the stock ops\' values and gradients', async () => {
    const { calls, kernels } = countingKernels(false);
    registerConv('cpu', () => kernels);
    const p = new Params(1);
    const w = p.add('w', [3, 3, 3, 4], 27);
    const b = p.add('b', [4], 1);
    b.assign(randomTensor([4], 2, -0.5, 0.5) as tf.Tensor1D);
    const x = randomTensor([1, 6, 8, 3], 3, -1, 1) as tf.Tensor4D;
    const f = () => tf.sum(tf.square(conv(x, w, b, 2, 'lrelu'))) as tf.Scalar;
    const ours = tf.variableGrads(f, [w, b]);
    expect(calls).toMatchObject({ forward: 1, backward: 1 });
    const ref = tf.variableGrads(() => tf.sum(tf.square(stockConv(x, w as tf.Tensor4D, b as tf.Tensor1D, 2, 'lrelu'))) as tf.Scalar, [w, b]);
    expect(relError(await ours.grads[w.name].data(), await ref.grads[w.name].data())).toBeLessThan(1e-5);
    expect(relError(await ours.value.data(), await ref.value.data())).toBeLessThan(1e-6);
    // switched off: the stock ops, the kernels not asked
    setAccelerated(false);
    tf.dispose(tf.variableGrads(f, [w, b]).grads);
    setAccelerated(true);
    expect(calls).toMatchObject({ forward: 1, backward: 1 });
    tf.dispose([x, ours.value, ref.value, ...Object.values(ours.grads), ...Object.values(ref.grads)]);
    p.dispose();
  });

  for (const accept of [true, false]) {
    it(`a layer of several inputs uses the parts kernels only where they accept the inputs (${accept ? 'accepted' : 'refused'})`, async () => {
      const { calls, kernels } = countingKernels(accept);
      registerConv('cpu', () => kernels);
      const p = new Params(4);
      const layer = convLayer(p, 'c', 5, 2);
      const xs = [randomTensor([1, 4, 4, 2], 5, -1, 1), randomTensor([1, 4, 4, 3], 6, -1, 1)] as tf.Tensor4D[];
      const g = tf.grads((a: tf.Tensor, c: tf.Tensor) => tf.sum(layer.parts([a, c] as tf.Tensor4D[])) as tf.Scalar)(xs);
      expect(g.map((t) => t.shape)).toEqual([[1, 4, 4, 2], [1, 4, 4, 3]]);
      expect(calls.partsAsked).toBe(1);
      expect([calls.partsForward, calls.partsBackward]).toEqual(accept ? [1, 1] : [0, 0]);
      expect([calls.forward, calls.backward]).toEqual(accept ? [0, 0] : [1, 1]);
      tf.dispose([...xs, ...g]);
      p.dispose();
    });
  }
});
