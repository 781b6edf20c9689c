import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { randomTensor, relError } from '../testing/gradcheck';
import { LRELU_SLOPE } from '../core/accelerated';
import { type Activation, conv, conv2dFilterGrad, Params } from './layers';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const activate = (z: tf.Tensor, act: Activation): tf.Tensor => (act === 'lrelu' ? tf.leakyRelu(z, LRELU_SLOPE) : act === 'relu' ? tf.relu(z) : z);

describe('conv as one fused kernel with hand-written gradients (for wasm and cpu)', () => {
  // odd sizes too: a stride-2 layer then pads p after the input, else p - 1 (see src/core/conv.ts)
  for (const [stride, act, H, W] of [[1, 'linear', 8, 6], [2, 'linear', 8, 6], [1, 'lrelu', 8, 6], [2, 'lrelu', 8, 6], [1, 'relu', 8, 6], [2, 'lrelu', 7, 5], [2, 'linear', 6, 9], [1, 'lrelu', 7, 5]] as const) {
    it(`matches tfjs's own conv, bias and activation gradients for stride ${stride}, ${act}, ${H}x${W}`, async () => {
      const p = new Params(3);
      const w = p.add('w', [3, 3, 4, 5], 36);
      const b = p.add('b', [5], 1);
      const x = randomTensor([2, H, W, 4], 1, -1, 1) as tf.Tensor4D;
      const R = randomTensor([2, Math.ceil(H / stride), Math.ceil(W / stride), 5], 2, -1, 1);
      // ours (cpu is one of the backends that use the custom filter gradient)
      const ours = tf.variableGrads(() => tf.sum(tf.mul(conv(x, w, b, stride, act), R)) as tf.Scalar, [w, b]);
      // reference: plain tfjs conv2d with the same symmetric padding, autodiff
      const ref = tf.variableGrads(() => {
        const xp = tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]) as tf.Tensor4D;
        return tf.sum(tf.mul(activate(tf.add(tf.conv2d(xp, w as tf.Tensor4D, stride, 'valid'), b), act), R)) as tf.Scalar;
      }, [w, b]);
      expect(Math.abs((await ours.value.data())[0] - (await ref.value.data())[0])).toBeLessThan(1e-3);
      expect(relError(await ours.grads[w.name].data(), await ref.grads[w.name].data())).toBeLessThan(1e-5);
      expect(relError(await ours.grads[b.name].data(), await ref.grads[b.name].data())).toBeLessThan(1e-5);
      // and the input gradient
      const gx = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(conv(xx as tf.Tensor4D, w, b, stride, act), R)) as tf.Scalar)(x);
      const gxRef = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(activate(tf.add(tf.conv2d(tf.pad(xx, [[0, 0], [1, 1], [1, 1], [0, 0]]) as tf.Tensor4D, w as tf.Tensor4D, stride, 'valid'), b), act), R)) as tf.Scalar)(x);
      expect(relError(await gx.data(), await gxRef.data())).toBeLessThan(1e-5);
      tf.dispose([x, R, ours.value, ref.value, gx, gxRef, ...Object.values(ours.grads), ...Object.values(ref.grads)]);
      p.dispose();
    });
  }

  it('without the input gradient (a layer reading the image) gives the same filter gradient', async () => {
    const p = new Params(4);
    const w = p.add('w', [3, 3, 3, 4], 27);
    const b = p.add('b', [4], 1);
    const x = randomTensor([2, 8, 6, 3], 3, 0, 1) as tf.Tensor4D;
    const R = randomTensor([2, 4, 3, 4], 4, -1, 1);
    const f = (inputGrad: boolean) => tf.variableGrads(() => tf.sum(tf.mul(conv(x, w, b, 2, 'lrelu', { inputGrad }), R)) as tf.Scalar, [w, b]);
    const a = f(true);
    const c = f(false);
    expect(relError(await c.grads[w.name].data(), await a.grads[w.name].data())).toBeLessThan(1e-6);
    tf.dispose([x, R, a.value, c.value, ...Object.values(a.grads), ...Object.values(c.grads)]);
    p.dispose();
  });

  it('conv2dFilterGrad is the filter gradient for a 1x1 case computed by hand', async () => {
    // x = [1, 2; 3, 4] (one channel), dy = ones, k = 1, stride 1: dW = sum(x) = 10
    const x = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
    const dy = tf.ones([1, 2, 2, 1]) as tf.Tensor4D;
    expect(Array.from(await conv2dFilterGrad(x, dy, 1, 1).data())).toEqual([10]);
    tf.dispose([x, dy]);
  });

  it('Params initialises reproducibly from the seed and refuses duplicate names', async () => {
    const a = new Params(7), b = new Params(7), c = new Params(8);
    const va = a.add('k', [3, 3, 2, 2], 18), vb = b.add('k', [3, 3, 2, 2], 18), vc = c.add('k', [3, 3, 2, 2], 18);
    expect(Array.from(await va.data())).toEqual(Array.from(await vb.data()));
    expect(Array.from(await va.data())).not.toEqual(Array.from(await vc.data()));
    expect(() => a.add('k', [1], 1)).toThrow(/duplicate/);
    [a, b, c].forEach((p) => p.dispose());
  });
});
