// A convolution layer's whole forward pass (padding, conv, bias, activation) as one fused tfjs
// kernel, with a hand-written backward pass: the stock path dispatches pad, conv, add and
// leakyRelu forward and their five gradients backward, each its own GPU kernel. Used on WebGPU
// (src/backends/webgpu/conv.ts) and, with plain-convolution gradients, on wasm and cpu (on wasm
// the activation pass and the bias add are the slow single-threaded part of a conv layer); the
// stock path in src/model/layers.ts stays the reference.
import * as tf from '@tensorflow/tfjs';
import { LRELU_SLOPE } from './accelerated';
import { customOp } from './customGrad';

export type ConvActivation = 'lrelu' | 'relu' | 'linear';

/** d(loss)/d(pre-activation) from the activation's output `y` (for these activations its sign tells all). */
export type ActivationGrad = (dy: tf.Tensor4D, y: tf.Tensor4D, act: ConvActivation) => tf.Tensor4D;

export const stockActivationGrad: ActivationGrad = (dy, y, act) => {
  if (act === 'linear') return dy;
  if (act === 'relu') return tf.mul(dy, tf.step(y));
  // step(y, a) is 1 where y > 0, else a: two kernels, not three (greater, mul, where)
  return tf.mul(dy, tf.step(y, LRELU_SLOPE));
};

/**
 * d(loss)/d(filter) of a k x k convolution: xin [B, Hi, Wi, Cin] (the conv's input), dz [B, Ho, Wo, Cout]
 * (the gradient of its output), input row yo * stride + kh - pad -> [k, k, Cin, Cout].
 */
export type FilterGrad = (xin: tf.Tensor4D, dz: tf.Tensor4D, k: number, stride: number, pad: number) => tf.Tensor4D;

/** tfjs's own kernel (on WebGPU one thread per filter element loops over every pixel: slow on a real GPU). */
export const stockFilterGrad: FilterGrad = (xin, dz, k, stride, pad) => tf.engine().runKernel('Conv2DBackpropFilter', { x: xin, dy: dz }, {
  strides: stride, pad: pad === 0 ? 'valid' : 'same', dataFormat: 'NHWC', filterShape: [k, k, xin.shape[3], dz.shape[3]],
}) as tf.Tensor4D;

/**
 * d(loss)/d(input) of a convolution: dz [B, Ho, Wo, Cout], w [k, k, Cin, Cout], the conv's input
 * shape (padded for 'valid') -> [B, Hi, Wi, Cin].
 */
export type InputGrad = (dz: tf.Tensor4D, w: tf.Tensor4D, xinShape: [number, number, number, number], stride: number, pad: 'same' | 'valid') => tf.Tensor4D;

/** tfjs's own kernel (Conv2DBackpropInput). */
export const stockInputGrad: InputGrad = (dz, w, xinShape, stride, pad) => tf.conv2dTranspose(dz, w, xinShape, stride, pad);

/**
 * The backward pass's kernels, each optional (the stock ones otherwise). `filterBiasGrad`, where
 * given, replaces `filterGrad` and the bias sum: both gradients from one pass over the output
 * gradient (WebGPU, see src/backends/webgpu/conv.ts).
 */
export interface ConvGradKernels {
  activationGrad?: ActivationGrad;
  filterGrad?: FilterGrad;
  filterBiasGrad?: (xin: tf.Tensor4D, dz: tf.Tensor4D, k: number, stride: number, pad: number) => [tf.Tensor4D, tf.Tensor1D];
  inputGrad?: InputGrad;
  /**
   * Replaces `inputGrad` where given: the input gradient straight for the unpadded input, from the conv's own padding
   * (k - 1) / 2 and stride (wasm, src/backends/wasm/conv.ts). xShape is the input's, not the padded one's.
   */
  inputGradUnpadded?: (dz: tf.Tensor4D, w: tf.Tensor4D, xShape: [number, number, number, number], stride: number, pad: number) => tf.Tensor4D;
  /**
   * The forward pass (conv, bias, activation) on the unpadded input, from the conv's own padding (k - 1) / 2 (wasm,
   * src/backends/wasm/conv.ts). With it the input is saved unpadded, so `filterBiasGrad` is then given pad (k - 1) / 2 at
   * both strides, and `inputGradUnpadded` must be given too.
   */
  forwardUnpadded?: (x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D, stride: number, pad: number, act: ConvActivation, slope: number) => tf.Tensor4D;
  /**
   * The leaky ReLU as its own `z * step(z, slope)` after a linear fused conv (bit-identical values). For wasm:
   * tfjs 4.22's wasm LeakyRelu, the one FusedConv2D runs for a fused 'leakyrelu' too, takes ~4.4 ns a value on
   * this machine; Step and Multiply take ~0.25 together (BENCHMARKS.md, "tfjs's wasm LeakyRelu costs ~4.4 ns a value").
   */
  leakyReluApart?: boolean;
}

/**
 * k x k convolution (odd k) with zero padding (k - 1) / 2 on each side, stride 1 or 2, bias and
 * activation, as in src/model/layers.ts. `inputGrad` false: no gradient for `x` (a layer that
 * reads the image). x [B, H, W, Cin], w [k, k, Cin, Cout], b [Cout] -> [B, H / stride, W / stride, Cout].
 * `kernels` computes the gradients (WebGPU passes its own, see src/backends/webgpu/conv.ts; cpu and wasm plain
 * convolutions for the filter and the input, see convGrad.ts).
 */
export function fusedConvAct(x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D, stride: 1 | 2, act: ConvActivation, inputGrad: boolean, kernels: ConvGradKernels = {}): tf.Tensor4D {
  const { activationGrad = stockActivationGrad, filterGrad = stockFilterGrad, filterBiasGrad, inputGrad: inputGradFn = stockInputGrad, inputGradUnpadded, forwardUnpadded, leakyReluApart = false } = kernels;
  if (forwardUnpadded && !(filterBiasGrad && inputGradUnpadded)) throw new Error('fusedConvAct: forwardUnpadded needs filterBiasGrad and inputGradUnpadded');
  const apart = leakyReluApart && act === 'lrelu';
  const k = w.shape[0];
  const p = (k - 1) / 2;
  // Stride 1: 'same' pads p on each side. Stride 2: 'same' would pad only after, so pad explicitly.
  const forward = (xi: tf.Tensor4D, wi: tf.Tensor4D, bi: tf.Tensor1D) => {
    if (forwardUnpadded) return { xin: xi, pad: 'unpadded', y: forwardUnpadded(xi, wi, bi, stride, p, act, LRELU_SLOPE) } as const;
    const xin = stride === 1 || p === 0 ? xi : (tf.pad(xi, [[0, 0], [p, p], [p, p], [0, 0]]) as tf.Tensor4D);
    const pad = stride === 1 ? 'same' : 'valid';
    // the kernel itself: tf.fused.conv2d falls back to conv + add + activation under a gradient tape
    // (it cannot differentiate a fused leaky ReLU), and this op brings its own gradient
    const z = tf.engine().runKernel('FusedConv2D', { x: xin, filter: wi, bias: bi }, {
      strides: [stride, stride], pad, dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: undefined,
      activation: apart ? 'linear' : act === 'lrelu' ? 'leakyrelu' : act, leakyreluAlpha: LRELU_SLOPE,
    } as unknown as tf.NamedAttrMap) as tf.Tensor4D;
    // z * 1 above 0, z * slope elsewhere: what tfjs's LeakyRelu computes, value for value
    const y = apart ? (tf.mul(z, tf.step(z, LRELU_SLOPE)) as tf.Tensor4D) : z;
    return { xin, pad, y } as const;
  };
  const backward = (dy: tf.Tensor4D, xin: tf.Tensor4D, wi: tf.Tensor4D, y: tf.Tensor4D, pad: 'same' | 'valid' | 'unpadded', xShape: number[]) => {
    const dz = activationGrad(dy, y, act);
    // 'same' (stride 1) and 'unpadded' pad p on each side; 'valid' runs on the input already padded
    const padded = pad === 'valid' ? 0 : p;
    const [dw, db] = filterBiasGrad ? filterBiasGrad(xin, dz, k, stride, padded) : [filterGrad(xin, dz, k, stride, padded), tf.sum(dz, [0, 1, 2])];
    if (!inputGrad) return { dw, db };
    if (inputGradUnpadded) return { dw, db, dx: inputGradUnpadded(dz, wi, xShape as [number, number, number, number], stride, p) };
    if (pad === 'unpadded') throw new Error('fusedConvAct: an unpadded forward needs inputGradUnpadded');
    let dx = inputGradFn(dz, wi, xin.shape as [number, number, number, number], stride, pad);
    if (xin.shape[1] !== xShape[1]) dx = dx.slice([0, p, p, 0], xShape);
    return { dw, db, dx };
  };
  if (!inputGrad) {
    return customOp<tf.Tensor4D>(([wi, bi], save) => {
      const { xin, pad, y } = forward(x, wi as tf.Tensor4D, bi as tf.Tensor1D);
      save([xin, y]);
      return {
        value: y,
        gradFunc: (dy, [xs, ys]) => tf.tidy(() => {
          const g = backward(dy as tf.Tensor4D, xs as tf.Tensor4D, wi as tf.Tensor4D, ys as tf.Tensor4D, pad, x.shape);
          return [g.dw, g.db];
        }),
      };
    })(w, b);
  }
  return customOp<tf.Tensor4D>(([xi, wi, bi], save) => {
    const { xin, pad, y } = forward(xi as tf.Tensor4D, wi as tf.Tensor4D, bi as tf.Tensor1D);
    save([xin, wi, y]);
    return {
      value: y,
      gradFunc: (dy, [xs, ws, ys]) => tf.tidy(() => {
        const g = backward(dy as tf.Tensor4D, xs as tf.Tensor4D, ws as tf.Tensor4D, ys as tf.Tensor4D, pad, xi.shape);
        return [g.dx!, g.dw, g.db];
      }),
    };
  })(x, w, b);
}
