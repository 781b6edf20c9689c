// Our own wasm SIMD kernels (./kernels.c, loaded by ./loader.ts), run on tfjs's wasm heap in place: a convolution's
// forward pass (bias and activation included), its weight and bias gradients and its input gradient, for a conv of one
// input or of several concatenated on the channels (the layer on them: ./convLayer.ts), cut between the threads by ./threadPool.ts. Why:
// tfjs 4.22's wasm backend has no Conv2DBackpropFilter, and written as a Conv2D each call transposes its operands and
// makes XNNPACK pack the fresh output gradient, which costs more than the multiply-adds; its LeakyRelu runs at ~4.4 ns
// a value; and its forward convolution ran at 39-41 G multiply-adds/s on 2 threads where these run at 40-55
// (BENCHMARKS.md, "Filter gradients through XNNPACK rebuild an operator every call" and "Our own wasm convolution
// kernels"). ./conv.test.ts checks them against plain loops on every tile path.
import * as tf from '@tensorflow/tfjs';
import { nativeKernels, type NativeKernels } from './loader';
import { splitRun } from './threadPool';
import type { WasmBackendLike, WasmTensorInfo } from './types';

/** What the weight gradients (calls, macs, ms), the input gradients (inputMacs, inputMs) and the forward convolutions (forwardMacs, forwardMs) cost so far (for the benchmark: tf.profile does not see these calls). */
export const nativeStats = { calls: 0, macs: 0, ms: 0, splitCalls: 0, inputMacs: 0, inputMs: 0, forwardMacs: 0, forwardMs: 0 };

type Shape4 = [number, number, number, number];
const ACTS = { linear: 0, relu: 1, lrelu: 2 } as const;
export type NativeActivation = keyof typeof ACTS;

function loadedKernels(op: string): NativeKernels {
  const kernels = nativeKernels();
  if (!kernels) throw new Error(`${op}: the wasm kernels are not loaded on this backend`);
  return kernels;
}

const outSize = (n: number, k: number, stride: number, pad: number) => Math.floor((n + 2 * pad - k) / stride) + 1;

/** Byte offset of a tensor's data on the wasm heap (after any allocation: one may grow the heap). */
function heapOffset(t: tf.Tensor | WasmTensorInfo): number {
  return (tf.backend() as unknown as WasmBackendLike).typedArrayFromHeap(t as unknown as WasmTensorInfo).byteOffset;
}

/** The inputs of a conv whose input is `xs` concatenated on the channels: same batch and size, float32, channels adding up to w's. */
function checkParts(op: string, xs: readonly Shape4[], w: tf.Tensor4D): void {
  const [B, Hi, Wi] = xs[0];
  const total = xs.reduce((a, x) => a + x[3], 0);
  if (xs.some((x) => x[0] !== B || x[1] !== Hi || x[2] !== Wi) || total !== w.shape[2] || w.shape[0] !== w.shape[1] || w.dtype !== 'float32') {
    throw new Error(`${op}: inputs ${xs.map((x) => `[${x}]`).join(' + ')} do not fit the filter [${w.shape}]`);
  }
}

/**
 * A k x k convolution of `xs` concatenated on the channels (without the concatenation), zero-padded by `pad` on each
 * side at `stride`, plus bias, then the activation (leaky ReLU: max(z, slope z), what tfjs's LeakyRelu computes):
 * xs [B, Hi, Wi, C_i], w [k, k, sum C_i, Cout], b [Cout] -> [B, Ho, Wo, Cout]. Needs `nativeKernels()`.
 */
export function convForwardPartsNative(xs: tf.Tensor4D[], w: tf.Tensor4D, bias: tf.Tensor1D, stride: number, pad: number, act: NativeActivation, slope: number): tf.Tensor4D {
  const kernels = loadedKernels('convForwardNative');
  checkParts('convForwardNative', xs.map((x) => x.shape), w);
  if (xs.some((x) => x.dtype !== 'float32') || bias.dtype !== 'float32' || bias.shape[0] !== w.shape[3]) {
    throw new Error(`convForwardNative: expected float32 inputs and a bias of ${w.shape[3]} values for the filter [${w.shape}], got bias [${bias.shape}]`);
  }
  const [B, Hi, Wi] = xs[0].shape;
  const [k, , ldw, Cout] = w.shape;
  const Ho = outSize(Hi, k, stride, pad);
  const Wo = outSize(Wi, k, stride, pad);
  const yInfo = (tf.backend() as unknown as WasmBackendLike).makeOutput([B, Ho, Wo, Cout], 'float32');
  const slopeBits = new Int32Array(Float32Array.of(slope).buffer)[0];
  const rows = B * Ho;
  const t0 = performance.now();
  let macs = 0;
  let off = 0;
  xs.forEach((x, i) => {
    const Cin = x.shape[3];
    const m = B * Ho * Wo * k * k * Cin * Cout;
    const args = [heapOffset(x), heapOffset(w) + 4 * off * Cout, heapOffset(bias), heapOffset(yInfo), B, Hi, Wi, Cin, Ho, Wo, Cout, ldw, k, stride, pad, ACTS[act], slopeBits, i === 0 ? 1 : 0, i === xs.length - 1 ? 1 : 0];
    splitRun(kernels, 'conv_forward', args, rows, 1, m, nativeStats);
    macs += m;
    off += Cin;
  });
  nativeStats.forwardMs += performance.now() - t0;
  nativeStats.forwardMacs += macs;
  return tf.engine().makeTensorFromTensorInfo(yInfo as unknown as tf.TensorInfo) as tf.Tensor4D;
}

/** convForwardPartsNative of one input. */
export function convForwardNative(x: tf.Tensor4D, w: tf.Tensor4D, bias: tf.Tensor1D, stride: number, pad: number, act: NativeActivation, slope: number): tf.Tensor4D {
  return convForwardPartsNative([x], w, bias, stride, pad, act, slope);
}

/**
 * d(loss)/d(filter) and d(loss)/d(bias) of a k x k convolution of `xs` concatenated on the channels, zero-padded by
 * `pad` on each side at `stride`: xs [B, Hi, Wi, C_i], dz [B, Ho, Wo, Cout] (the gradient of the output before the
 * activation) -> [k, k, sum C_i, Cout] and [Cout]. Needs `nativeKernels()`.
 */
export function filterBiasGradPartsNative(xs: tf.Tensor4D[], dz: tf.Tensor4D, k: number, stride: number, pad: number): [tf.Tensor4D, tf.Tensor1D] {
  const kernels = loadedKernels('filterBiasGradNative');
  const [B, Hi, Wi] = xs[0].shape;
  const [Bz, Ho, Wo, Cout] = dz.shape;
  const ldw = xs.reduce((a, x) => a + x.shape[3], 0);
  if (xs.some((x) => x.dtype !== 'float32' || x.shape[0] !== B || x.shape[1] !== Hi || x.shape[2] !== Wi) || dz.dtype !== 'float32' || Bz !== B || Ho !== outSize(Hi, k, stride, pad) || Wo !== outSize(Wi, k, stride, pad)) {
    throw new Error(`filterBiasGradNative: output gradient [${dz.shape}] does not fit a ${k}x${k} stride-${stride} conv of ${xs.map((x) => `[${x.shape}]`).join(' + ')} padded by ${pad}`);
  }
  const b = tf.backend() as unknown as WasmBackendLike;
  const dwInfo = b.makeOutput([k, k, ldw, Cout], 'float32');
  const dbInfo = b.makeOutput([Cout], 'float32');
  const t0 = performance.now();
  let macs = 0;
  let off = 0;
  for (const x of xs) {
    const Cin = x.shape[3];
    const m = B * Ho * Wo * k * k * Cin * Cout;
    // cut at multiples of 8 output channels (the loop's widest tile)
    splitRun(kernels, 'filter_grad', [heapOffset(x), heapOffset(dz), heapOffset(dwInfo) + 4 * off * Cout, B, Hi, Wi, Cin, Ho, Wo, Cout, ldw, k, stride, pad], Cout, 8, m, nativeStats);
    macs += m;
    off += Cin;
  }
  kernels.bias_grad(heapOffset(dz), heapOffset(dbInfo), B * Ho * Wo, Cout, 0, Cout);
  nativeStats.ms += performance.now() - t0;
  nativeStats.calls++;
  nativeStats.macs += macs;
  const engine = tf.engine();
  return [engine.makeTensorFromTensorInfo(dwInfo as unknown as tf.TensorInfo) as tf.Tensor4D, engine.makeTensorFromTensorInfo(dbInfo as unknown as tf.TensorInfo) as tf.Tensor1D];
}

/** filterBiasGradPartsNative of one input. */
export function filterBiasGradNative(xin: tf.Tensor4D, dz: tf.Tensor4D, k: number, stride: number, pad: number): [tf.Tensor4D, tf.Tensor1D] {
  return filterBiasGradPartsNative([xin], dz, k, stride, pad);
}

/**
 * d(loss)/d(input) of each of `xShapes`, the inputs of a k x k convolution of their concatenation on the channels,
 * zero-padded by `pad` on each side at `stride`: dz [B, Ho, Wo, Cout], w [k, k, sum C_i, Cout] -> [B, Hi, Wi, C_i] each.
 * At stride 2 it skips the zeros a dilated output gradient would have (a quarter of the multiply-adds of that form).
 * Needs `nativeKernels()`.
 */
export function inputGradPartsNative(dz: tf.Tensor4D, w: tf.Tensor4D, xShapes: Shape4[], stride: number, pad: number): tf.Tensor4D[] {
  const kernels = loadedKernels('inputGradNative');
  checkParts('inputGradNative', xShapes, w);
  const [B, Hi, Wi] = xShapes[0];
  const [Bz, Ho, Wo, Cout] = dz.shape;
  const [k, , ldw] = w.shape;
  if (w.shape[3] !== Cout || Bz !== B || Ho !== outSize(Hi, k, stride, pad) || Wo !== outSize(Wi, k, stride, pad) || dz.dtype !== 'float32') {
    throw new Error(`inputGradNative: output gradient [${dz.shape}] and filter [${w.shape}] do not fit a stride-${stride} conv of ${xShapes.map((x) => `[${x}]`).join(' + ')} padded by ${pad}`);
  }
  return tf.tidy(() => {
    const wT = tf.transpose(w, [0, 1, 3, 2]); // [k, k, Cout, sum C_i]: input channels contiguous
    const b = tf.backend() as unknown as WasmBackendLike;
    const infos = xShapes.map((shape) => b.makeOutput(shape, 'float32'));
    const rows = B * Hi;
    const t0 = performance.now();
    let off = 0;
    xShapes.forEach((shape, i) => {
      const Cin = shape[3];
      // each tap reaches about 1 / stride^2 of the input pixels
      const macs = (B * Hi * Wi * k * k * Cin * Cout) / (stride * stride);
      splitRun(kernels, 'input_grad', [heapOffset(dz), heapOffset(wT) + 4 * off, heapOffset(infos[i]), B, Hi, Wi, Cin, Ho, Wo, Cout, ldw, k, stride, pad], rows, 1, macs, nativeStats);
      nativeStats.inputMacs += macs;
      off += Cin;
    });
    nativeStats.inputMs += performance.now() - t0;
    return infos.map((info) => tf.engine().makeTensorFromTensorInfo(info as unknown as tf.TensorInfo) as tf.Tensor4D);
  });
}

/** inputGradPartsNative of one input. */
export function inputGradNative(dz: tf.Tensor4D, w: tf.Tensor4D, xShape: Shape4, stride: number, pad: number): tf.Tensor4D {
  return inputGradPartsNative(dz, w, [xShape], stride, pad)[0];
}
