// The conv layer: k x k convolution (odd k) with zero padding (k - 1) / 2 on each side, stride 1 or 2, bias and
// activation. One interface, `ConvKernels` (forward, backward, optional multi-input `parts`), that a backend provides
// (registered in src/core/accelerated.ts's conv registry, looked up by src/model/layers.ts); `convOp` and `convPartsOp`
// here turn it into a differentiable op. The stock path (`stockConv`: pad, conv, add, activation, tfjs autodiff) is
// the reference and runs on every backend without kernels of its own: the stock path dispatches pad, conv, add and
// leakyRelu forward and their five gradients backward, each its own GPU kernel. The providers:
//   - `fusedConvKernels`: tfjs's FusedConv2D forward (conv, bias, activation in one kernel) with a hand-written
//     backward from parts a backend may replace: WebGPU (src/backends/webgpu/conv.ts), and with plain-convolution
//     gradients (./convGrad.ts) cpu (src/backends/cpu/index.ts) and wasm before our kernels load;
//   - our wasm SIMD kernels (src/backends/wasm/convLayer.ts), forward, backward and parts.
// Tests: src/model/layers.test.ts (cpu against the stock path), src/model/backends.test.ts (wasm), src/backends/wasm/
// conv.test.ts (the SIMD kernels and parts), e2e/kernels.spec.ts (WebGPU: values, gradients and dispatch counts).
import * as tf from '@tensorflow/tfjs';
import { LRELU_SLOPE } from './accelerated';
import { conv2dFilterGrad, convInputGrad } from './convGrad';
import { customOp } from './customGrad';

export type ConvActivation = 'lrelu' | 'relu' | 'linear';

/** What the forward pass leaves for the backward pass. */
export interface ConvForward {
  /** act(conv(x, w) + b) */
  y: tf.Tensor4D;
  /** The input the backward pass reads: x itself, or a zero-padded copy (that is the kernels' own choice). */
  xin: tf.Tensor4D;
}

/** The layer's gradients: dx only where the input gradient was asked for. */
export interface ConvGrads {
  dw: tf.Tensor4D;
  db: tf.Tensor1D;
  dx?: tf.Tensor4D;
}

/** A backend's conv layer: x [B, H, W, Cin], w [k, k, Cin, Cout], b [Cout] -> [B, H / stride, W / stride, Cout]. */
export interface ConvKernels {
  forward(x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D, stride: 1 | 2, act: ConvActivation): ConvForward;
  /** From dy (the gradient of y), the forward pass's `xin` and `y`, the filter, and x's shape. */
  backward(dy: tf.Tensor4D, saved: { xin: tf.Tensor4D; y: tf.Tensor4D; w: tf.Tensor4D }, xShape: [number, number, number, number], stride: 1 | 2, act: ConvActivation, inputGrad: boolean): ConvGrads;
  /** The layer of several inputs concatenated on the channels, without the concatenation (wasm). */
  parts?: ConvPartsKernels;
}

/** A conv layer whose input is `xs` concatenated on the channels; every input gets its gradient. */
export interface ConvPartsKernels {
  /** Whether these kernels are the faster way for these inputs (else the layer concatenates them). */
  accepts(xs: tf.Tensor4D[]): boolean;
  forward(xs: tf.Tensor4D[], w: tf.Tensor4D, b: tf.Tensor1D, stride: 1 | 2, act: ConvActivation): tf.Tensor4D;
  backward(dy: tf.Tensor4D, saved: { xs: tf.Tensor4D[]; y: tf.Tensor4D; w: tf.Tensor4D }, stride: 1 | 2, act: ConvActivation): { dxs: tf.Tensor4D[]; dw: tf.Tensor4D; db: tf.Tensor1D };
}

/** The reference: pad, conv, add the bias, activation, all stock ops (tfjs differentiates them). */
export function stockConv(x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D, stride: 1 | 2, act: ConvActivation): tf.Tensor4D {
  const p = (w.shape[0] - 1) / 2;
  const xp = p > 0 ? (tf.pad(x, [[0, 0], [p, p], [p, p], [0, 0]]) as tf.Tensor4D) : x;
  const z = tf.add(tf.conv2d(xp, w, stride, 'valid'), b) as tf.Tensor4D;
  if (act === 'lrelu') return tf.leakyRelu(z, LRELU_SLOPE);
  if (act === 'relu') return tf.relu(z);
  return z;
}

/** The layer as one differentiable op from a backend's kernels; `inputGrad` false: no gradient for x (a layer reading the image). */
export function convOp(kernels: ConvKernels, x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D, stride: 1 | 2, act: ConvActivation, inputGrad: boolean): tf.Tensor4D {
  if (!inputGrad) {
    return customOp<tf.Tensor4D>(([wi, bi], save) => {
      const { xin, y } = kernels.forward(x, wi as tf.Tensor4D, bi as tf.Tensor1D, stride, act);
      save([xin, y]);
      return {
        value: y,
        gradFunc: (dy, [xs, ys]) => tf.tidy(() => {
          const g = kernels.backward(dy as tf.Tensor4D, { xin: xs as tf.Tensor4D, y: ys as tf.Tensor4D, w: wi as tf.Tensor4D }, x.shape, stride, act, false);
          return [g.dw, g.db];
        }),
      };
    })(w, b);
  }
  return customOp<tf.Tensor4D>(([xi, wi, bi], save) => {
    const { xin, y } = kernels.forward(xi as tf.Tensor4D, wi as tf.Tensor4D, bi as tf.Tensor1D, stride, act);
    save([xin, wi, y]);
    return {
      value: y,
      gradFunc: (dy, [xs, ws, ys]) => tf.tidy(() => {
        const g = kernels.backward(dy as tf.Tensor4D, { xin: xs as tf.Tensor4D, y: ys as tf.Tensor4D, w: ws as tf.Tensor4D }, xi.shape as [number, number, number, number], stride, act, true);
        if (!g.dx) throw new Error('conv: the kernels gave no input gradient');
        return [g.dx, g.dw, g.db];
      }),
    };
  })(x, w, b);
}

/** The layer of `xs` concatenated on the channels as one differentiable op from a backend's parts kernels. */
export function convPartsOp(kernels: ConvPartsKernels, xs: tf.Tensor4D[], w: tf.Tensor4D, b: tf.Tensor1D, stride: 1 | 2, act: ConvActivation): tf.Tensor4D {
  const n = xs.length;
  return customOp<tf.Tensor4D>((inputs, save) => {
    const parts = inputs.slice(0, n) as tf.Tensor4D[];
    const y = kernels.forward(parts, inputs[n] as tf.Tensor4D, inputs[n + 1] as tf.Tensor1D, stride, act);
    save([...parts, inputs[n], y]);
    return {
      value: y,
      gradFunc: (dy, saved) => tf.tidy(() => {
        const g = kernels.backward(dy as tf.Tensor4D, { xs: saved.slice(0, n) as tf.Tensor4D[], w: saved[n] as tf.Tensor4D, y: saved[n + 1] as tf.Tensor4D }, stride, act);
        return [...g.dxs, g.dw, g.db];
      }),
    };
  })(...xs, w, b);
}

// ---- the fused kernels: FusedConv2D forward, a backward from replaceable parts ----------------------------------

/** d(loss)/d(pre-activation) from the activation's output `y` (for these activations its sign tells all). */
export type ActivationGrad = (dy: tf.Tensor4D, y: tf.Tensor4D, act: ConvActivation) => tf.Tensor4D;

export const stockActivationGrad: ActivationGrad = (dy, y, act) => {
  if (act === 'linear') return dy;
  if (act === 'relu') return tf.mul(dy, tf.step(y));
  // step(y, a) is 1 where y > 0, else a: two kernels, not three (greater, mul, where)
  return tf.mul(dy, tf.step(y, LRELU_SLOPE));
};

/**
 * d(loss)/d(filter) and d(loss)/d(bias) of a k x k convolution: xin [B, Hi, Wi, Cin] (the conv's input, zero-padded
 * by `pad` on each side), dz [B, Ho, Wo, Cout] (the gradient of its output before the activation), input row
 * yo * stride + kh - pad -> [k, k, Cin, Cout] and [Cout].
 */
export type FilterBiasGrad = (xin: tf.Tensor4D, dz: tf.Tensor4D, k: number, stride: number, pad: number) => [tf.Tensor4D, tf.Tensor1D];

/** tfjs's own Conv2DBackpropFilter and a sum (on WebGPU one thread per filter element loops over every pixel: slow on a real GPU). */
export const stockFilterBiasGrad: FilterBiasGrad = (xin, dz, k, stride, pad) => [
  tf.engine().runKernel('Conv2DBackpropFilter', { x: xin, dy: dz }, {
    strides: stride, pad: pad === 0 ? 'valid' : 'same', dataFormat: 'NHWC', filterShape: [k, k, xin.shape[3], dz.shape[3]],
  }) as tf.Tensor4D,
  tf.sum(dz, [0, 1, 2]) as tf.Tensor1D,
];

/** The filter gradient as a plain convolution (./convGrad.ts) and a sum: for cpu and wasm (see there why). */
export const plainFilterBiasGrad: FilterBiasGrad = (xin, dz, k, stride, pad) => [conv2dFilterGrad(xin, dz, k, stride, pad), tf.sum(dz, [0, 1, 2]) as tf.Tensor1D];

/**
 * d(loss)/d(input) of a convolution: dz [B, Ho, Wo, Cout], w [k, k, Cin, Cout], the conv's input
 * shape (padded for 'valid') -> [B, Hi, Wi, Cin].
 */
export type InputGrad = (dz: tf.Tensor4D, w: tf.Tensor4D, xinShape: [number, number, number, number], stride: number, pad: 'same' | 'valid') => tf.Tensor4D;

/** tfjs's own kernel (Conv2DBackpropInput). */
export const stockInputGrad: InputGrad = (dz, w, xinShape, stride, pad) => tf.conv2dTranspose(dz, w, xinShape, stride, pad);

/** The input gradient as a plain convolution (./convGrad.ts): for cpu and wasm. */
export const plainInputGrad: InputGrad = convInputGrad;

/** The backward pass's parts (each the stock one unless given), and how the forward pass applies a leaky ReLU. */
export interface FusedConvParts {
  activationGrad?: ActivationGrad;
  filterBiasGrad?: FilterBiasGrad;
  inputGrad?: InputGrad;
  /**
   * The leaky ReLU as its own `z * step(z, slope)` after a linear fused conv (bit-identical values). For wasm:
   * tfjs 4.22's wasm LeakyRelu, the one FusedConv2D runs for a fused 'leakyrelu' too, takes ~4.4 ns a value on
   * this machine; Step and Multiply take ~0.25 together (BENCHMARKS.md, "tfjs's wasm LeakyRelu costs ~4.4 ns a value").
   */
  leakyReluApart?: boolean;
}

/**
 * Conv kernels whose forward pass is tfjs's FusedConv2D kernel (conv, bias, activation) and whose backward pass is
 * `parts`. Stride 1 runs 'same' on x itself; stride 2 runs 'valid' on a copy padded by (k - 1) / 2 ('same' would pad
 * only after).
 */
export function fusedConvKernels(parts: FusedConvParts = {}): ConvKernels {
  const { activationGrad = stockActivationGrad, filterBiasGrad = stockFilterBiasGrad, inputGrad = stockInputGrad, leakyReluApart = false } = parts;
  return {
    forward(x, w, b, stride, act) {
      const p = (w.shape[0] - 1) / 2;
      const apart = leakyReluApart && act === 'lrelu';
      const xin = stride === 1 || p === 0 ? x : (tf.pad(x, [[0, 0], [p, p], [p, p], [0, 0]]) as tf.Tensor4D);
      // the kernel itself: tf.fused.conv2d falls back to conv + add + activation under a gradient tape
      // (it cannot differentiate a fused leaky ReLU), and the op of convOp brings its own gradient
      const z = tf.engine().runKernel('FusedConv2D', { x: xin, filter: w, bias: b }, {
        strides: [stride, stride], pad: stride === 1 ? 'same' : 'valid', dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: undefined,
        activation: apart ? 'linear' : act === 'lrelu' ? 'leakyrelu' : act, leakyreluAlpha: LRELU_SLOPE,
      } as unknown as tf.NamedAttrMap) as tf.Tensor4D;
      // z * 1 above 0, z * slope elsewhere: what tfjs's LeakyRelu computes, value for value
      const y = apart ? (tf.mul(z, tf.step(z, LRELU_SLOPE)) as tf.Tensor4D) : z;
      return { xin, y };
    },
    backward(dy, { xin, y, w }, xShape, stride, act, withInput) {
      const k = w.shape[0];
      const p = (k - 1) / 2;
      const dz = activationGrad(dy, y, act);
      // stride 1 ran 'same' (padding p on each side), stride 2 'valid' on the input already padded
      const [dw, db] = filterBiasGrad(xin, dz, k, stride, stride === 1 ? p : 0);
      if (!withInput) return { dw, db };
      let dx = inputGrad(dz, w, xin.shape as [number, number, number, number], stride, stride === 1 ? 'same' : 'valid');
      if (xin.shape[1] !== xShape[1]) dx = dx.slice([0, p, p, 0], xShape);
      return { dw, db, dx };
    },
  };
}

/** The fused kernels with plain-convolution gradients: cpu (its Conv2DBackpropFilter is ~10x slower) and wasm (it has none). */
export function plainConvKernels(leakyReluApart: boolean): ConvKernels {
  return fusedConvKernels({ filterBiasGrad: plainFilterBiasGrad, inputGrad: plainInputGrad, leakyReluApart });
}
