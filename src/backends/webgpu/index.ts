// WGSL kernels for WebGPU, each with its gradient: the 1-D correlation and the horizontal warp
// (stock tfjs has no single kernel for them: chains of slices, gathers and a scatter), the
// photometric error, the edge-aware smoothness, the disparity upsampling, the conv layer's backward
// pass and Adam, one file per op family. On a real GPU the step is bound by encoding dispatches
// (BENCHMARKS.md, "A real-GPU step is bound by its dispatches, not by the GPU"), so each replaces a
// chain of stock kernels by one or a few. `registerWebgpuKernels` puts them in src/core/accelerated.ts's
// registries for the 'webgpu' backend; the stock-op versions in src/core stay the reference and run on
// every other backend (e2e/kernels.spec.ts compares values and gradients of both on random inputs).
import { registerAccelerated, registerConv } from '../../core/accelerated';
import { adamUpdateWebGPU } from './adam';
import { webgpuConvKernels } from './conv';
import { correlation1dWebGPU } from './correlation';
import { photometricErrorWebGPU } from './photometric';
import { smoothnessMapWebGPU } from './smoothness';
import { upsampleBilinear2xWebGPU } from './upsample';
import { warpHWebGPU } from './warp';

let registered = false;

/**
 * Registers the WGSL ops for the 'webgpu' backend (once; safe to call again). Call it where a
 * WebGPU backend is set up, before the first op runs on it: the training worker's init, the Node
 * CLI's Dawn backend (cli/nodeWebgpu.ts), the browser benchmark and the kernel test page.
 */
export function registerWebgpuKernels(): void {
  if (registered) return;
  registered = true;
  registerAccelerated('webgpu', {
    adamUpdate: adamUpdateWebGPU,
    correlation1d: correlation1dWebGPU,
    photometricError: photometricErrorWebGPU,
    smoothnessMap: smoothnessMapWebGPU,
    upsampleBilinear2x: upsampleBilinear2xWebGPU,
    warpH: warpHWebGPU,
  });
  registerConv('webgpu', () => webgpuConvKernels);
}
