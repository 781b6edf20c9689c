// The tfjs WebGPU backend in Node, on Dawn (the npm package `webgpu`, an optional dependency).
// tfjs-backend-webgpu registers itself only where `navigator.gpu` exists when it is first imported,
// which in Node it never does (src/backends/webgpu/ imports it before any of this runs), so the
// backend is registered here with the same device request as the package's own (src/train/webgpuDevice.ts).
import * as tf from '@tensorflow/tfjs';
import { registerWebgpuKernels } from '../src/backends/webgpu';
import { webgpuBackendOn } from '../src/train/webgpuDevice';

/** What Dawn says of the adapter it picked (vendor, architecture, device, description). */
export interface NodeAdapterInfo { vendor: string; architecture: string; device: string; description: string; fallback: boolean }

let adapterInfo: NodeAdapterInfo | undefined;

/** The adapter of the registered Node WebGPU backend, once it has started. */
export const nodeAdapterInfo = (): NodeAdapterInfo | undefined => adapterInfo;

/** The adapter as the CLI prints it. */
export const describeAdapter = (a: NodeAdapterInfo): string =>
  `webgpu adapter (Dawn): ${a.vendor} ${a.architecture} ${a.device} ${a.description}${a.fallback ? ' (fallback adapter)' : ''}`;

/**
 * Registers the 'webgpu' backend for Node. Dawn finds the GPU through the system's Vulkan loader
 * (libvulkan.so.1) and driver; `RD_DAWN_FLAGS` passes Dawn options (comma-separated, e.g.
 * `backend=vulkan` or `adapter=<name>`). Throws a message that says what to install when the
 * package or a GPU is missing.
 */
export async function registerNodeWebGPU(): Promise<void> {
  // our WGSL kernels (warp, correlation, fused conv, Adam...), for every CLI entry point that runs on WebGPU
  registerWebgpuKernels();
  if (tf.findBackendFactory('webgpu')) return;
  let dawn: { create: (options: string[]) => GPU; globals: object };
  try {
    dawn = (await import('webgpu')) as unknown as typeof dawn;
  } catch (e) {
    throw new Error(`the webgpu backend in Node needs the npm package "webgpu" (Dawn), an optional dependency that did not load (${e instanceof Error ? e.message : String(e)}); run \`npm install webgpu\`, or use --backend wasm`);
  }
  Object.assign(globalThis, dawn.globals);
  const gpu = dawn.create((process.env.RD_DAWN_FLAGS ?? '').split(',').filter(Boolean));
  const g = globalThis as { navigator?: object };
  if (g.navigator) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
  else g.navigator = { gpu };
  tf.registerBackend('webgpu', async () => {
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) throw new Error('Dawn found no WebGPU adapter: this needs a GPU with a Vulkan driver and the Vulkan loader (libvulkan.so.1); use --backend wasm without one');
    const info = adapter.info;
    adapterInfo = { vendor: info.vendor, architecture: info.architecture, device: info.device, description: info.description, fallback: Boolean((info as { isFallbackAdapter?: boolean }).isFallbackAdapter) };
    return webgpuBackendOn(adapter);
  }, 3);
}
