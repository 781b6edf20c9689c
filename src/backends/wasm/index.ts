// The wasm backend's overrides and what the rest of the app reads of our wasm kernels. Overrides, registered by
// registerWasmKernels where a wasm backend is set up (the training worker's init, the browser benchmark, the CLI's
// training entry points):
//   - tfjs kernels replaced by faster copies on the heap (./copyKernels.ts: Slice, SplitV, Identity, PadV2, Reverse,
//     Concat);
//   - the correlation and the warp as loops over the heap (./correlation.ts, ./warp.ts, why in ./heap.ts), in
//     src/core/accelerated.ts's registry;
//   - the conv layer (./convLayer.ts) on our own SIMD kernels (./conv.ts, loaded by ./loader.ts, threads in
//     ./threadPool.ts) once they have loaded, in the conv registry there.
import { registerAccelerated, registerConv } from '../../core/accelerated';
import { wasmConvKernels } from './convLayer';
import { registerFastWasmKernels } from './copyKernels';
import { correlation1dWasm } from './correlation';
import { warpHWasm } from './warp';

export { fastWasmKernelsActive, registerFastWasmKernels } from './copyKernels';
export { nativeStats } from './conv';
export { nativeKernels, nativeThreads, waitForNativeHelper } from './loader';
export { nativeHelperReady, nativeHelpersReady } from './threadPool';

let opsRegistered = false;

/** The correlation and the warp as heap loops, for the 'wasm' backend (once; safe to call again). */
export function registerWasmOps(): void {
  if (opsRegistered) return;
  opsRegistered = true;
  registerAccelerated('wasm', { correlation1d: correlation1dWasm, warpH: warpHWasm });
}

/** The conv layer on our SIMD kernels wherever they load, for the 'wasm' backend (safe to call again). */
export function registerWasmConv(): void {
  registerConv('wasm', wasmConvKernels);
}

/**
 * Every wasm override: the replaced tfjs kernels, the correlation and warp loops and the conv layer (once; safe to
 * call again). Call it before the wasm backend runs its first op.
 */
export function registerWasmKernels(): void {
  registerFastWasmKernels();
  registerWasmOps();
  registerWasmConv();
}
