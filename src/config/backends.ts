import type { BackendName } from '../train/protocol';

/** How each compute backend is named to people (the backend panel, the status line, the store's incident texts). */
export const BACKEND_LABEL: Record<BackendName, string> = {
  webgpu: 'WebGPU',
  webgl: 'WebGL',
  wasm: 'WebAssembly (WASM)',
  cpu: 'CPU (plain JavaScript)',
};

/** What a GPU backend loses when the GPU resets, to start a sentence: "The WebGPU device", "The WebGL context". */
export function gpuResource(b: BackendName): string {
  return `The ${BACKEND_LABEL[b]} ${b === 'webgl' ? 'context' : 'device'}`;
}
