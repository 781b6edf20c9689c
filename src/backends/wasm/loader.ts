// Loads our wasm SIMD module (./kernels.c, built into ./kernelsWasm.ts by scripts/build-wasm-kernels.sh) onto tfjs's
// wasm heap. The module imports tfjs's own WebAssembly.Memory, so it reads the tensors where they are and writes its
// outputs into tensors tfjs allocated (./conv.ts). It has no stack and no data of its own (the build checks), so it
// touches nothing else on that heap (./conv.test.ts checks that too). Where it cannot load (a browser without wasm
// SIMD, where tfjs runs its plain build), `nativeKernels()` is null and the layers use tfjs's FusedConv2D and the
// convolution-form gradients (src/core/convGrad.ts). On tfjs's threaded build it starts the helper threads
// (./threadPool.ts) on the same heap.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { KERNELS_WASM, KERNELS_WASM_SHARED } from './kernelsWasm';
import { helpersStarting, liveHelpers, nativeHelperReady, startHelpers, stopHelpers } from './threadPool';
import type { WasmBackendLike } from './types';

export interface NativeKernels {
  filter_grad(x: number, dy: number, dw: number, B: number, Hi: number, Wi: number, Cin: number, Ho: number, Wo: number, Cout: number, ldw: number, k: number, s: number, pad: number, coBegin: number, coEnd: number): void;
  bias_grad(dy: number, db: number, P: number, Cout: number, coBegin: number, coEnd: number): void;
  input_grad(dy: number, wT: number, dx: number, B: number, Hi: number, Wi: number, Cin: number, Ho: number, Wo: number, Cout: number, ldw: number, k: number, s: number, pad: number, rowBegin: number, rowEnd: number): void;
  conv_forward(x: number, w: number, bias: number, y: number, B: number, Hi: number, Wi: number, Cin: number, Ho: number, Wo: number, Cout: number, ldw: number, k: number, s: number, pad: number, act: number, slopeBits: number, first: number, last: number, rowBegin: number, rowEnd: number): void;
}

let loaded: { memory: WebAssembly.Memory; kernels: NativeKernels | null; module: WebAssembly.Module | null } | null = null;

/** Threads our kernels run on: this one and the helpers started (some may still be starting); 0 where they do not load. */
export function nativeThreads(): number {
  return nativeKernels() ? 1 + liveHelpers() : 0;
}

/** Resolves when every helper has started (or is dead), or after `timeoutMs`; true where at least one is up. */
export async function waitForNativeHelper(timeoutMs = 5000): Promise<boolean> {
  nativeKernels();
  const t0 = Date.now();
  while (helpersStarting() && Date.now() - t0 < timeoutMs) await new Promise((r) => setTimeout(r, 10));
  return nativeHelperReady();
}

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
  stopHelpers();
  let kernels: NativeKernels | null = null;
  let module: WebAssembly.Module | null = null;
  try {
    const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
    module = new WebAssembly.Module(decode(shared ? KERNELS_WASM_SHARED : KERNELS_WASM));
    kernels = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as NativeKernels;
    const threads = shared ? (wasm.tfjs?.getThreadsCount?.() ?? 1) : 1;
    startHelpers(module, memory, threads - 1);
  } catch {
    kernels = null; // no wasm SIMD (tfjs then runs its plain build too): the convolution form it is
  }
  loaded = { memory, kernels, module };
  return kernels;
}
