// A conv layer whose input is several tensors concatenated on the channels, on wasm without the concatenation: our
// kernels (./conv.ts) read each part where it is, forward and backward, so neither the concat nor its
// gradient (a split) copies anything. At 512x256 the concats and splits of a stage-1 step took 113 ms of 1,344
// (bench:browser; BENCHMARKS.md, "A conv of several inputs without a concat"). Values and gradients equal the concat + conv layer's (./conv.test.ts).
import * as tf from '@tensorflow/tfjs';
import { LRELU_SLOPE } from '../../core/accelerated';
import { customOp } from '../../core/customGrad';
import { stockActivationGrad, type ConvActivation } from '../../core/fusedConv';
import { convForwardPartsNative, filterBiasGradPartsNative, inputGradPartsNative } from './conv';

/**
 * k x k convolution (odd k, zero padding (k - 1) / 2, stride 1 or 2) of `xs` concatenated on the channels, plus bias,
 * then the activation: xs [B, H, W, C_i], w [k, k, sum C_i, Cout], b [Cout] -> [B, H / stride, W / stride, Cout].
 * Every input gets its gradient. Needs `nativeKernels()`.
 */
export function convPartsActNative(xs: tf.Tensor4D[], w: tf.Tensor4D, b: tf.Tensor1D, stride: 1 | 2, act: ConvActivation): tf.Tensor4D {
  const k = w.shape[0];
  const p = (k - 1) / 2;
  const n = xs.length;
  return customOp<tf.Tensor4D>((inputs, save) => {
    const parts = inputs.slice(0, n) as tf.Tensor4D[];
    const y = convForwardPartsNative(parts, inputs[n] as tf.Tensor4D, inputs[n + 1] as tf.Tensor1D, stride, p, act, LRELU_SLOPE);
    save([...parts, inputs[n], y]);
    return {
      value: y,
      gradFunc: (dy, saved) => tf.tidy(() => {
        const sp = saved.slice(0, n) as tf.Tensor4D[];
        const ws = saved[n] as tf.Tensor4D;
        const dz = stockActivationGrad(dy as tf.Tensor4D, saved[n + 1] as tf.Tensor4D, act);
        const [dw, db] = filterBiasGradPartsNative(sp, dz, k, stride, p);
        const dxs = inputGradPartsNative(dz, ws, sp.map((x) => x.shape), stride, p);
        return [...dxs, dw, db];
      }),
    };
  })(...xs, w, b);
}
