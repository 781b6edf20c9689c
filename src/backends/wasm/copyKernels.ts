// Faster Slice, SplitV, Identity, PadV2, Reverse and Concat for the tfjs wasm backend (4.22.0), registered over the stock ones.
//
// Identity: tfjs clones every tensor it saves for the backward pass with the Identity kernel
// (engine.clone), and wasm's Identity copies the data: 2,185 full copies in one stage-1 step.
// Tensors are immutable, so this version shares the buffer with a reference count, as the cpu
// backend's Identity and wasm's own Reshape do.
//
// The stock wasm Slice reads its input with backend.readSync, which copies the WHOLE input
// tensor out of the wasm heap before taking the slice, and then copies one innermost row per
// TypedArray.set call (a row of C values for a 4-D NHWC slice). Measured in a stage-1 step at
// 256x128: 7 slices of a [256, 15008] tensor took 60 ms, and slices of [2, 128, 256, 1] maps
// ~6 ms each. SplitV calls that Slice once per output. These versions read the input through a
// view of the heap and fold the trailing whole axes into one contiguous run per copy.
// Values are identical (a copy is a copy); the gradients are the stock ones (Slice's is a pad).
//
// PadV2, Reverse and Concat (float32) are plain copies too, written the same way: the stock
// kernels walk every element with index arithmetic in C++ (BENCHMARKS.md, "Copies on the wasm heap").
// Other dtypes go to the stock kernels.
// Registered by registerFastWasmKernels (./index.ts's registerWasmKernels); ./copyKernels.test.ts compares each with
// the stock kernel.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { WasmBackendLike, WasmTensorInfo } from './types';

/** Runs shorter than this are copied value by value: a subarray + set per run costs more than the copy itself. */
const SHORT_RUN = 32;

/** dst[d + i] = src[s + i] for i < n. */
function copyRun(dst: tf.TypedArray, d: number, src: tf.TypedArray, s: number, n: number): void {
  if (n >= SHORT_RUN) dst.set(src.subarray(s, s + n), d);
  else for (let i = 0; i < n; i++) dst[d + i] = src[s + i];
}

/** Row-major strides of `shape`. */
function stridesOf(shape: number[]): number[] {
  const st = new Array(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) st[i] = st[i + 1] * shape[i + 1];
  return st;
}

/** Copies x[begin : begin + size] into a new output, one contiguous run per outer index. */
function sliceInto(backend: WasmBackendLike, x: WasmTensorInfo, begin: number[], size: number[]): WasmTensorInfo {
  const out = backend.makeOutput(size, x.dtype);
  const n = tf.util.sizeFromShape(size);
  if (n === 0) return out;
  // views taken after makeOutput (which may grow the heap and detach older views)
  const xv = backend.typedArrayFromHeap(x);
  const ov = backend.typedArrayFromHeap(out);
  const shape = x.shape;
  const r = shape.length;
  let last = r - 1;
  while (last > 0 && begin[last] === 0 && size[last] === shape[last]) last--;
  const strides = stridesOf(shape);
  const run = size[last] * strides[last];
  // odometer over axes 0..last-1
  const idx = new Array(Math.max(last, 0)).fill(0);
  let o = 0;
  for (;;) {
    let off = begin[last] * strides[last];
    for (let a = 0; a < last; a++) off += (begin[a] + idx[a]) * strides[a];
    copyRun(ov, o, xv, off, run);
    o += run;
    let a = last - 1;
    while (a >= 0 && ++idx[a] === size[a]) idx[a--] = 0;
    if (a < 0) break;
  }
  return out;
}

/**
 * Constant padding: x [d0, ..., dn] -> [pad0 + d0 + pad0', ...], the input copied in as one
 * contiguous run per outer index (the trailing unpadded axes folded into the run). The stock
 * kernel took ~8 ms to pad [20, 130, 1, 3] to [20, 130, 256, 3] in a stage-1 step.
 */
function padInto(backend: WasmBackendLike, x: WasmTensorInfo, paddings: [number, number][], value: number): WasmTensorInfo {
  const shape = x.shape;
  const r = shape.length;
  const outShape = shape.map((d, i) => paddings[i][0] + d + paddings[i][1]);
  const out = backend.makeOutput(outShape, x.dtype);
  const n = tf.util.sizeFromShape(shape);
  const xv = backend.typedArrayFromHeap(x);
  const ov = backend.typedArrayFromHeap(out);
  ov.fill(value);
  if (n === 0) return out;
  let last = r - 1;
  while (last > 0 && paddings[last][0] === 0 && paddings[last][1] === 0) last--;
  const ost = stridesOf(outShape);
  const xst = stridesOf(shape);
  const run = shape[last] * xst[last];
  const idx = new Array(last).fill(0);
  for (;;) {
    let off = 0;
    let o = paddings[last][0] * ost[last];
    for (let a = 0; a < last; a++) {
      off += idx[a] * xst[a];
      o += (paddings[a][0] + idx[a]) * ost[a];
    }
    copyRun(ov, o, xv, off, run);
    let a = last - 1;
    while (a >= 0 && ++idx[a] === shape[a]) idx[a--] = 0;
    if (a < 0) break;
  }
  return out;
}

/**
 * Reverse along `axes`: one contiguous run per outer index (the trailing unreversed axes folded).
 * The stock kernel took ~7 ms to mirror a [2, 128, 256, 3] image along its width.
 */
function reverseInto(backend: WasmBackendLike, x: WasmTensorInfo, axes: number[]): WasmTensorInfo {
  const shape = x.shape;
  const r = shape.length;
  const out = backend.makeOutput(shape, x.dtype);
  const n = tf.util.sizeFromShape(shape);
  const xv = backend.typedArrayFromHeap(x);
  const ov = backend.typedArrayFromHeap(out);
  if (n === 0) return out;
  const rev = new Array(r).fill(false);
  for (const a of axes) rev[a] = shape[a] > 1;
  let last = r - 1;
  while (last >= 0 && !rev[last]) last--;
  if (last < 0) {
    ov.set(xv);
    return out;
  }
  const st = stridesOf(shape);
  const run = st[last];
  const idx = new Array(last + 1).fill(0);
  let o = 0;
  for (;;) {
    let off = 0;
    for (let a = 0; a <= last; a++) off += (rev[a] ? shape[a] - 1 - idx[a] : idx[a]) * st[a];
    copyRun(ov, o, xv, off, run);
    o += run;
    let a = last;
    while (a >= 0 && ++idx[a] === shape[a]) idx[a--] = 0;
    if (a < 0) break;
  }
  return out;
}

/** Concatenation along `axis`: each input's run per outer index copied into place. */
function concatInto(backend: WasmBackendLike, xs: WasmTensorInfo[], axis: number): WasmTensorInfo {
  const shape = [...xs[0].shape];
  shape[axis] = xs.reduce((a, t) => a + t.shape[axis], 0);
  const out = backend.makeOutput(shape, xs[0].dtype);
  const outer = tf.util.sizeFromShape(shape.slice(0, axis));
  const inner = tf.util.sizeFromShape(shape.slice(axis + 1));
  const ov = backend.typedArrayFromHeap(out);
  const outRun = shape[axis] * inner;
  let at = 0;
  for (const t of xs) {
    const run = t.shape[axis] * inner;
    if (run > 0) {
      const xv = backend.typedArrayFromHeap(t);
      for (let i = 0; i < outer; i++) copyRun(ov, i * outRun + at, xv, i * run, run);
    }
    at += run;
  }
  return out;
}

let registered = false;
const ours = new Set<tf.KernelFunc>();

/** Whether the wasm backend's Slice, SplitV, Identity, PadV2, Reverse and Concat are these versions. */
export function fastWasmKernelsActive(): boolean {
  return ['Slice', 'SplitV', 'Identity', 'PadV2', 'Reverse', 'Concat'].every((k) => ours.has(tf.getKernel(k, 'wasm')?.kernelFunc as tf.KernelFunc));
}

/** Registers the fast kernels for 'wasm' (once; safe to call again). */
export function registerFastWasmKernels(): void {
  if (registered) return;
  registered = true;
  const stockSlice = tf.getKernel('Slice', 'wasm');
  const stockSplit = tf.getKernel('SplitV', 'wasm');
  const stockIdentity = tf.getKernel('Identity', 'wasm');
  const stockPad = tf.getKernel('PadV2', 'wasm');
  const stockReverse = tf.getKernel('Reverse', 'wasm');
  const stockConcat = tf.getKernel('Concat', 'wasm');
  if (!stockSlice || !stockSplit || !stockIdentity || !stockPad || !stockReverse || !stockConcat) return; // wasm backend not linked in: nothing to replace
  const slice: tf.KernelFunc = (args) => {
    const x = args.inputs.x as unknown as WasmTensorInfo;
    if (x.dtype === 'string') return stockSlice.kernelFunc(args);
    const [b, s] = tf.slice_util.parseSliceParams(x as unknown as tf.TensorInfo, args.attrs!.begin as number[], args.attrs!.size as number[]);
    return sliceInto(args.backend as unknown as WasmBackendLike, x, b, s) as unknown as tf.TensorInfo;
  };
  const splitV: tf.KernelFunc = (args) => {
    const x = args.inputs.x as unknown as WasmTensorInfo;
    if (x.dtype === 'string') return stockSplit.kernelFunc(args);
    const axis = tf.util.parseAxisParam(args.attrs!.axis as number, x.shape)[0];
    const sizes = tf.backend_util.prepareSplitSize(x as unknown as tf.Tensor, args.attrs!.numOrSizeSplits as number | number[], axis);
    const begin = new Array(x.shape.length).fill(0);
    return sizes.map((n) => {
      const size = [...x.shape];
      size[axis] = n;
      const out = sliceInto(args.backend as unknown as WasmBackendLike, x, [...begin], size);
      begin[axis] += n;
      return out as unknown as tf.TensorInfo;
    });
  };
  const identity: tf.KernelFunc = (args) => {
    const x = args.inputs.x as unknown as WasmTensorInfo;
    if (x.dtype === 'string') return stockIdentity.kernelFunc(args);
    (args.backend as unknown as WasmBackendLike).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype } as unknown as tf.TensorInfo;
  };
  const pad: tf.KernelFunc = (args) => {
    const x = args.inputs.x as unknown as WasmTensorInfo;
    if (x.dtype !== 'float32') return stockPad.kernelFunc(args);
    return padInto(args.backend as unknown as WasmBackendLike, x, args.attrs!.paddings as [number, number][], args.attrs!.constantValue as number) as unknown as tf.TensorInfo;
  };
  const reverse: tf.KernelFunc = (args) => {
    const x = args.inputs.x as unknown as WasmTensorInfo;
    if (x.dtype !== 'float32') return stockReverse.kernelFunc(args);
    const axes = tf.util.parseAxisParam(args.attrs!.dims as number | number[], x.shape);
    return reverseInto(args.backend as unknown as WasmBackendLike, x, axes) as unknown as tf.TensorInfo;
  };
  const concat: tf.KernelFunc = (args) => {
    const xs = args.inputs as unknown as WasmTensorInfo[];
    if (xs.length === 0 || xs.some((t) => t.dtype !== 'float32')) return stockConcat.kernelFunc(args);
    const axis = tf.util.parseAxisParam(args.attrs!.axis as number, xs[0].shape)[0];
    tf.backend_util.assertParamsConsistent(xs.map((t) => t.shape), axis);
    return concatInto(args.backend as unknown as WasmBackendLike, xs, axis) as unknown as tf.TensorInfo;
  };
  const replaced: [tf.KernelConfig, tf.KernelFunc][] = [[stockSlice, slice], [stockSplit, splitV], [stockIdentity, identity], [stockPad, pad], [stockReverse, reverse], [stockConcat, concat]];
  for (const [stock, kernelFunc] of replaced) {
    const { kernelName, setupFunc } = stock;
    tf.unregisterKernel(kernelName, 'wasm');
    // the stock setup (binding its wasm function) still runs when the backend starts, for the dtypes left to it
    tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc, setupFunc });
    ours.add(kernelFunc);
  }
}
