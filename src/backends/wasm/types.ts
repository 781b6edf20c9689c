// What this folder uses of tfjs 4.22's wasm backend (BackendWasm), which tfjs does not export as types:
// declared once here for the module loader, the conv kernels, the heap loops and the copy kernels.
import type * as tf from '@tensorflow/tfjs';

/** A tensor's record on the wasm backend. */
export interface WasmTensorInfo { dataId: object; shape: number[]; dtype: tf.DataType }

/** The wasm backend's members we call (`tf.backend()` or a kernel's `backend`, cast to this). */
export interface WasmBackendLike {
  /** The emscripten module: the threaded build imports its memory (wasmMemory), the plain one exports it (asm.memory). */
  wasm: { wasmMemory?: WebAssembly.Memory; asm?: { memory?: WebAssembly.Memory }; tfjs?: { getThreadsCount?: () => number } };
  incRef(dataId: object): void;
  makeOutput(shape: number[], dtype: tf.DataType): WasmTensorInfo;
  typedArrayFromHeap(t: WasmTensorInfo): tf.TypedArray;
}
