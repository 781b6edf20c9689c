// The cpu backend's overrides: only the conv layer, as tfjs's FusedConv2D with its gradients as plain convolutions
// (src/core/conv.ts's plainConvKernels): cpu's own Conv2DBackpropFilter is ~10x slower than those
// (src/core/convGrad.ts). src/model/layers.test.ts checks the layer against the stock ops on cpu.
import { registerConv } from '../../core/accelerated';
import { plainConvKernels } from '../../core/conv';

const cpuConvKernels = plainConvKernels(false);

/** Registers the cpu conv kernels (safe to call again). Call it where a cpu backend may run: the worker, the CLI, tests. */
export function registerCpuKernels(): void {
  registerConv('cpu', () => cpuConvKernels);
}
