// The conv layer on wasm (src/core/conv.ts's interface) on our own SIMD kernels (./conv.ts): forward with bias and
// activation, the weight, bias and input gradients, and a layer of several inputs concatenated on the channels
// without the concatenation: the kernels read each part where it is, forward and backward, so neither the concat nor
// its gradient (a split) copies anything. At 512x256 the concats and splits of a stage-1 step took 113 ms of 1,344
// (bench:browser; BENCHMARKS.md, "A conv of several inputs without a concat"). ./conv.test.ts checks values and
// gradients against plain loops and the concat + conv layer; src/model/backends.test.ts the layer against cpu.
import type * as tf from '@tensorflow/tfjs';
import { LRELU_SLOPE } from '../../core/accelerated';
import { plainConvKernels, stockActivationGrad, type ConvKernels } from '../../core/conv';
import { convForwardNative, convForwardPartsNative, filterBiasGradNative, filterBiasGradPartsNative, inputGradNative, inputGradPartsNative } from './conv';
import { nativeKernels } from './loader';

const pad = (w: tf.Tensor4D) => (w.shape[0] - 1) / 2;

/** The conv layer on our kernels; they run on the input unpadded, so the backward pass reads x itself. Needs `nativeKernels()`. */
export const nativeConvKernels: ConvKernels = {
  forward(x, w, b, stride, act) {
    return { xin: x, y: convForwardNative(x, w, b, stride, pad(w), act, LRELU_SLOPE) };
  },
  backward(dy, { xin, y, w }, xShape, stride, act, inputGrad) {
    const dz = stockActivationGrad(dy, y, act);
    const [dw, db] = filterBiasGradNative(xin, dz, w.shape[0], stride, pad(w));
    if (!inputGrad) return { dw, db };
    return { dw, db, dx: inputGradNative(dz, w, xShape, stride, pad(w)) };
  },
  parts: {
    // only where every part has 8 channels or more: a kernel pass per part re-reads the output and its gradient, which
    // costs more than copying a 1- or 7-channel part; measured on the decoders: BENCHMARKS.md, "A conv of several
    // inputs without a concat"
    accepts: (xs) => xs.every((x) => x.shape[3] >= 8),
    forward: (xs, w, b, stride, act) => convForwardPartsNative(xs, w, b, stride, pad(w), act, LRELU_SLOPE),
    backward(dy, { xs, y, w }, stride, act) {
      const dz = stockActivationGrad(dy, y, act);
      const [dw, db] = filterBiasGradPartsNative(xs, dz, w.shape[0], stride, pad(w));
      return { dxs: inputGradPartsNative(dz, w, xs.map((x) => x.shape), stride, pad(w)), dw, db };
    },
  },
};

/** Before our kernels load (or where they cannot): FusedConv2D with plain-convolution gradients, the leaky ReLU apart (src/core/conv.ts says why). */
const fallbackConvKernels = plainConvKernels(true);

/** wasm's conv kernels at this moment: ours once they have loaded, else the fallback. */
export function wasmConvKernels(): ConvKernels {
  return nativeKernels() !== null ? nativeConvKernels : fallbackConvKernels;
}
