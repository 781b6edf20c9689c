import type { BackendName } from '../train/protocol';

/** How each compute backend is named to people (the backend panel, the status line, the store's incident texts). */
export const BACKEND_LABEL: Record<BackendName, string> = {
  webgpu: 'WebGPU',
  webgl: 'WebGL',
  wasm: 'WebAssembly (WASM)',
  cpu: 'CPU (plain JavaScript)',
};
