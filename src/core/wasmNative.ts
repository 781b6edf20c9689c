// Our own wasm SIMD kernels (src/core/wasm/kernels.c), run on tfjs's wasm heap in place: the weight and
// bias gradients of a convolution. tfjs 4.22's wasm backend has no Conv2DBackpropFilter; written as a
// Conv2D (see convGrad.ts) each call transposes its operands and makes XNNPACK pack the fresh output
// gradient, and that costs more than the multiply-adds (BENCHMARKS, sessions 13 and 14).
//
// The module imports tfjs's own WebAssembly.Memory, so it reads the tensors where they are and writes
// its outputs into tensors tfjs allocated. It has no stack and no data of its own (the build checks),
// so it touches nothing else on that heap. Where it cannot load (a browser without wasm SIMD, where tfjs
// runs its plain build), `nativeKernels()` is null and the convolution form is used.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { KERNELS_WASM, KERNELS_WASM_SHARED } from './wasm/kernelsWasm';

export interface NativeKernels {
  filter_grad(x: number, dy: number, dw: number, B: number, Hi: number, Wi: number, Cin: number, Ho: number, Wo: number, Cout: number, k: number, s: number, pad: number, coBegin: number, coEnd: number): void;
  bias_grad(dy: number, db: number, P: number, Cout: number, coBegin: number, coEnd: number): void;
}

interface WasmTensorInfo { dataId: object; shape: number[]; dtype: tf.DataType }
interface WasmBackendLike {
  wasm: { wasmMemory?: WebAssembly.Memory; asm?: { memory?: WebAssembly.Memory } };
  makeOutput(shape: number[], dtype: tf.DataType): WasmTensorInfo;
  typedArrayFromHeap(t: WasmTensorInfo): tf.TypedArray;
}

let loaded: { memory: WebAssembly.Memory; kernels: NativeKernels | null } | null = null;

function decode(b64: string): Uint8Array<ArrayBuffer> {
  const s = atob(b64);
  const out = new Uint8Array(new ArrayBuffer(s.length));
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** The kernels bound to the current wasm backend's heap, or null (another backend, or they cannot load here). */
export function nativeKernels(): NativeKernels | null {
  if (tf.getBackend() !== 'wasm') return null;
  const wasm = (tf.backend() as unknown as WasmBackendLike).wasm;
  // the threaded build imports its memory (Module.wasmMemory), the plain one exports it
  const memory = wasm?.wasmMemory ?? wasm?.asm?.memory;
  if (!memory) return null;
  if (loaded?.memory === memory) return loaded.kernels;
  let kernels: NativeKernels | null = null;
  try {
    const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    const module = new WebAssembly.Module(decode(shared ? KERNELS_WASM_SHARED : KERNELS_WASM));
    kernels = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as NativeKernels;
  } catch {
    kernels = null; // no wasm SIMD (tfjs then runs its plain build too): the convolution form it is
  }
  loaded = { memory, kernels };
  return kernels;
}

/**
 * d(loss)/d(filter) and d(loss)/d(bias) of a k x k convolution of `xin` zero-padded by `pad` on each side
 * at `stride`: xin [B, Hi, Wi, Cin], dz [B, Ho, Wo, Cout] (the gradient of the output before the bias)
 * -> [k, k, Cin, Cout] and [Cout]. Needs `nativeKernels()`.
 */
export function filterBiasGradNative(xin: tf.Tensor4D, dz: tf.Tensor4D, k: number, stride: number, pad: number): [tf.Tensor4D, tf.Tensor1D] {
  const kernels = nativeKernels();
  if (!kernels) throw new Error('filterBiasGradNative: the wasm kernels are not loaded on this backend');
  const [B, Hi, Wi, Cin] = xin.shape;
  const [Bz, Ho, Wo, Cout] = dz.shape;
  if (xin.dtype !== 'float32' || dz.dtype !== 'float32') throw new Error(`filterBiasGradNative: expected float32, got ${xin.dtype} and ${dz.dtype}`);
  const expect = (n: number) => Math.floor((n + 2 * pad - k) / stride) + 1;
  if (Bz !== B || Ho !== expect(Hi) || Wo !== expect(Wi)) {
    throw new Error(`filterBiasGradNative: output gradient [${dz.shape}] does not fit a ${k}x${k} stride-${stride} conv of [${xin.shape}] padded by ${pad}`);
  }
  const b = tf.backend() as unknown as WasmBackendLike;
  const dwInfo = b.makeOutput([k, k, Cin, Cout], 'float32');
  const dbInfo = b.makeOutput([Cout], 'float32');
  // byte offsets on the heap, taken after the allocations (which may grow it)
  const at = (t: WasmTensorInfo) => b.typedArrayFromHeap(t).byteOffset;
  const x = at(xin as unknown as WasmTensorInfo);
  const dy = at(dz as unknown as WasmTensorInfo);
  kernels.filter_grad(x, dy, at(dwInfo), B, Hi, Wi, Cin, Ho, Wo, Cout, k, stride, pad, 0, Cout);
  kernels.bias_grad(dy, at(dbInfo), B * Ho * Wo, Cout, 0, Cout);
  const engine = tf.engine();
  return [engine.makeTensorFromTensorInfo(dwInfo as unknown as tf.TensorInfo) as tf.Tensor4D, engine.makeTensorFromTensorInfo(dbInfo as unknown as tf.TensorInfo) as tf.Tensor1D];
}
