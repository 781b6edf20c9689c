import type { BackendName } from '../train/protocol';

export const BACKEND_LABEL: Record<BackendName, string> = {
  webgpu: 'WebGPU',
  webgl: 'WebGL',
  wasm: 'WebAssembly (WASM)',
  cpu: 'CPU (plain JavaScript)',
};
