// Faster Slice, SplitV and Identity for the tfjs wasm backend (4.22.0), registered over the stock ones.
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
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

interface WasmTensorInfo { dataId: object; shape: number[]; dtype: tf.DataType }
interface WasmBackendLike {
  incRef(dataId: object): void;
  makeOutput(shape: number[], dtype: tf.DataType): WasmTensorInfo;
  typedArrayFromHeap(t: WasmTensorInfo): tf.TypedArray;
}

/** Copies x[begin : begin + size] into a new output, one contiguous run per outer index. */
function sliceInto(backend: WasmBackendLike, x: WasmTensorInfo, begin: number[], size: number[]): WasmTensorInfo {
  const out = backend.makeOutput(size, x.dtype);
  const n = size.reduce((a, v) => a * v, 1);
  if (n === 0) return out;
  // views taken after makeOutput (which may grow the heap and detach older views)
  const xv = backend.typedArrayFromHeap(x);
  const ov = backend.typedArrayFromHeap(out);
  const shape = x.shape;
  const r = shape.length;
  let last = r - 1;
  while (last > 0 && begin[last] === 0 && size[last] === shape[last]) last--;
  let inner = 1;
  for (let i = last + 1; i < r; i++) inner *= shape[i];
  const run = size[last] * inner;
  const strides: number[] = new Array(r).fill(0);
  strides[r - 1] = 1;
  for (let i = r - 2; i >= 0; i--) strides[i] = strides[i + 1] * shape[i + 1];
  // odometer over axes 0..last-1
  const idx = new Array(Math.max(last, 0)).fill(0);
  let o = 0;
  for (;;) {
    let off = begin[last] * strides[last];
    for (let a = 0; a < last; a++) off += (begin[a] + idx[a]) * strides[a];
    ov.set(xv.subarray(off, off + run), o);
    o += run;
    let a = last - 1;
    while (a >= 0 && ++idx[a] === size[a]) idx[a--] = 0;
    if (a < 0) break;
  }
  return out;
}

let registered = false;
const ours = new Set<tf.KernelFunc>();

/** Whether the wasm backend's Slice, SplitV and Identity are these versions. */
export function fastWasmKernelsActive(): boolean {
  return ['Slice', 'SplitV', 'Identity'].every((k) => ours.has(tf.getKernel(k, 'wasm')?.kernelFunc as tf.KernelFunc));
}

/** Registers the fast Slice, SplitV and Identity for 'wasm' (once; safe to call again). */
export function registerFastWasmKernels(): void {
  if (registered) return;
  registered = true;
  const stockSlice = tf.getKernel('Slice', 'wasm');
  const stockSplit = tf.getKernel('SplitV', 'wasm');
  const stockIdentity = tf.getKernel('Identity', 'wasm');
  if (!stockSlice || !stockSplit || !stockIdentity) return; // wasm backend not linked in: nothing to replace
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
  for (const [kernelName, kernelFunc] of [['Slice', slice], ['SplitV', splitV], ['Identity', identity]] as const) {
    tf.unregisterKernel(kernelName, 'wasm');
    tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc });
    ours.add(kernelFunc);
  }
}

registerFastWasmKernels();
