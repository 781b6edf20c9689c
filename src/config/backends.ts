/** Compute backends the worker can run on, best first when a real GPU is present. */
export const BACKEND_NAMES = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

export function isBackendName(value: unknown): value is BackendName {
  return typeof value === 'string' && (BACKEND_NAMES as readonly string[]).includes(value);
}

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
