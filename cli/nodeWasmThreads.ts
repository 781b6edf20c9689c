// tfjs' threaded wasm build in Node. tfjs turns threads off in Node (its loader hands emscripten
// a Blob URL for the pthread worker, which Node's worker_threads cannot load), so Node trained on
// one core. This starts the same threaded SIMD module from its files on disk and registers it as
// the 'wasm' backend in place of tfjs' own:
//   - the pthread worker's source (shipped as a JS string) is written to a temporary file;
//   - the module reads `os.cpus().length` once, at start, and caps its pool at half of it (as in
//     the browser, src/train/wasmThreads.ts), so `os.cpus` reports twice the threads asked while
//     the module starts, then is restored.
// Every kernel (tfjs' and ours in src/backends/wasm/) is registered by backend
// name, so they run on this module unchanged; cli/nodeWasmThreads.test.ts checks a training step
// against the single-threaded backend.
import * as tf from '@tensorflow/tfjs';
import { BackendWasm, getThreadsCount, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** What the emscripten factory resolves to, as far as tfjs' BackendWasm uses it. */
type EmscriptenModule = { cwrap: (name: string, ret: string | null, args: string[]) => unknown; tfjs?: unknown };

/**
 * Replaces the registered 'wasm' backend by tfjs' threaded SIMD module with `threads` threads.
 * Call before `tf.setBackend('wasm')`. Returns the thread count the module really got.
 */
export async function registerThreadedNodeWasm(threads: number): Promise<number> {
  const js = require.resolve('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js');
  const dir = dirname(js);
  const factory = require(js) as (config: Record<string, unknown>) => Promise<EmscriptenModule>;
  const { wasmWorkerContents } = require(join(dir, 'tfjs-backend-wasm-threaded-simd.worker.js')) as { wasmWorkerContents: string };
  // tfjs escapes the newlines the same way before it makes its Blob: the source has '\n' inside string literals.
  const workerFile = join(os.tmpdir(), `rd-tfjs-wasm-pthread-${process.pid}.cjs`);
  writeFileSync(workerFile, wasmWorkerContents.replace(/\n/g, '\\n'));
  process.once('exit', () => rmSync(workerFile, { force: true }));

  const cpus = os.cpus;
  const real = cpus();
  const mutableOs = os as { cpus: typeof os.cpus };
  mutableOs.cpus = () => Array.from({ length: Math.max(real.length, 2 * threads) }, (_, i) => real[i % real.length]);
  let module: EmscriptenModule;
  try {
    module = await factory({
      locateFile: (path: string) => (path.endsWith('.worker.js') ? workerFile : join(dir, path)),
      mainScriptUrlOrBlob: js,
    });
  } finally {
    mutableOs.cpus = cpus;
  }
  // The wrappers tfjs' own loader adds (tfjs-backend-wasm/dist/backend_wasm.js, `init`).
  module.tfjs = {
    init: module.cwrap('init', null, []),
    initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: module.cwrap('get_threads_count', 'number', []),
    registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: module.cwrap('dispose_data', null, ['number']),
    dispose: module.cwrap('dispose', null, []),
  };
  setThreadsCount(threads);
  tf.removeBackend('wasm');
  tf.registerBackend('wasm', () => new BackendWasm(module as unknown as ConstructorParameters<typeof BackendWasm>[0]), 2);
  const ok = await tf.setBackend('wasm');
  if (!ok) throw new Error('the threaded wasm module did not start in Node');
  return getThreadsCount();
}
